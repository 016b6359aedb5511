import Foundation

/// Writes a batch as the JSON of a Lambda Kinesis event (`{"Records":[…]}`, field for field what Lambda's event
/// source mapping delivers), so a handler written for Lambda reads it unchanged. Hand-written rather than
/// `JSONEncoder`: it runs once per batch per plugin on the dispatch path, and its output is fixed.
enum LambdaKinesisEventEncoder {
    static func encode(_ records: some Collection<DispatchRecord>, plugin: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(records.reduce(64) { $0 + $1.data.count * 4 / 3 + 512 })
        out.append(contentsOf: #"{"Records":["#.utf8)
        var first = true
        for record in records {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: #"{"kinesis":{"kinesisSchemaVersion":"1.0","partitionKey":"#.utf8)
            appendString(record.partitionKey, to: &out)
            out.append(contentsOf: #","sequenceNumber":"#.utf8)
            appendString(record.sequenceNumber, to: &out)
            out.append(contentsOf: #","data":""#.utf8)
            out.append(contentsOf: Data(record.data).base64EncodedData())
            out.append(contentsOf: #"","approximateArrivalTimestamp":"#.utf8)
            let timestamp = record.approximateArrivalTimestamp
            out.append(contentsOf: (timestamp.isFinite ? "\(timestamp)" : "0").utf8)
            out.append(contentsOf: #"},"eventSource":"aws:kinesis","eventVersion":"1.0","eventID":"#.utf8)
            appendString(record.eventID, to: &out)
            out.append(contentsOf: #","eventName":"aws:kinesis:record","invokeIdentityArn":"#.utf8)
            appendString("arn:kit:iam:::plugin/\(plugin)", to: &out)
            out.append(contentsOf: #","awsRegion":"#.utf8)
            appendString(record.awsRegion, to: &out)
            out.append(contentsOf: #","eventSourceARN":"#.utf8)
            appendString(record.eventSourceARN, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    /// A JSON string literal (RFC 8259 escaping).
    static func appendString(_ string: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
