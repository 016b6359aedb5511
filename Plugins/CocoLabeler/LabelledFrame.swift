import CTurboJPEG

/// Draws labelled detection boxes on a JPEG frame: decode to RGB with libturbojpeg, draw, encode again. Every
/// turbojpeg call goes through ``check(_:_:_:)`` so a failure becomes a ``LabelledFrameError`` with the library's
/// message; the handles are destroyed on every path.
enum LabelledFrame {
    struct Box {
        var label: String
        var xmin: Double
        var ymin: Double
        var xmax: Double
        var ymax: Double
        var classID: Int
    }

    static func draw(jpeg: [UInt8], boxes: [Box], quality: Int) throws(LabelledFrameError) -> [UInt8] {
        var image = try decode(jpeg)
        for box in boxes { image.draw(box) }
        return try encode(image, quality: quality)
    }

    struct RGBImage {
        var width: Int
        var height: Int
        var pixels: [UInt8]

        mutating func set(_ x: Int, _ y: Int, _ color: (UInt8, UInt8, UInt8)) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let offset = (y * width + x) * 3
            pixels[offset] = color.0
            pixels[offset + 1] = color.1
            pixels[offset + 2] = color.2
        }

        mutating func fill(x0: Int, y0: Int, x1: Int, y1: Int, _ color: (UInt8, UInt8, UInt8)) {
            for y in max(0, y0)..<min(height, y1) {
                for x in max(0, x0)..<min(width, x1) { set(x, y, color) }
            }
        }

        /// A box outline (3 px, or thinner on tiny frames) and, above it, its label on a filled strip.
        mutating func draw(_ box: Box) {
            let color = palette[abs(box.classID) % palette.count]
            let clamp = { (value: Double) in min(max(value, 0), 1) }
            let x0 = Int(clamp(box.xmin) * Double(width - 1))
            let y0 = Int(clamp(box.ymin) * Double(height - 1))
            let x1 = Int(clamp(box.xmax) * Double(width - 1))
            let y1 = Int(clamp(box.ymax) * Double(height - 1))
            guard x1 > x0, y1 > y0 else { return }
            let thickness = max(1, min(3, min(width, height) / 200 + 1))
            fill(x0: x0, y0: y0, x1: x1 + 1, y1: y0 + thickness, color)
            fill(x0: x0, y0: y1 - thickness + 1, x1: x1 + 1, y1: y1 + 1, color)
            fill(x0: x0, y0: y0, x1: x0 + thickness, y1: y1 + 1, color)
            fill(x0: x1 - thickness + 1, y0: y0, x1: x1 + 1, y1: y1 + 1, color)

            let scale = max(1, min(width, height) / 360)
            let glyphWidth = (BitmapFont.width + 1) * scale
            let stripHeight = (BitmapFont.height + 2) * scale
            let text = Array(box.label.uppercased())
            let stripTop = y0 >= stripHeight ? y0 - stripHeight : y0
            fill(x0: x0, y0: stripTop, x1: x0 + text.count * glyphWidth + scale, y1: stripTop + stripHeight, color)
            for (index, character) in text.enumerated() {
                for gy in 0..<BitmapFont.height {
                    for gx in 0..<BitmapFont.width where BitmapFont.pixel(character, x: gx, y: gy) {
                        let px = x0 + scale + index * glyphWidth + gx * scale
                        let py = stripTop + scale + gy * scale
                        fill(x0: px, y0: py, x1: px + scale, y1: py + scale, (255, 255, 255))
                    }
                }
            }
        }
    }

    /// Distinct, saturated colours; white text stays readable on each.
    private static let palette: [(UInt8, UInt8, UInt8)] = [
        (220, 20, 60), (0, 130, 200), (60, 140, 40), (145, 30, 180), (230, 100, 0), (0, 128, 128), (128, 0, 0),
        (70, 70, 160),
    ]

    private static func decode(_ jpeg: [UInt8]) throws(LabelledFrameError) -> RGBImage {
        guard let handle = tjInitDecompress() else { throw LabelledFrameError("tjInitDecompress failed") }
        defer { tjDestroy(handle) }
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        try jpeg.withUnsafeBufferPointer { (bytes) throws(LabelledFrameError) in
            try check(
                tjDecompressHeader3(
                    handle, bytes.baseAddress, UInt(bytes.count), &width, &height, &subsampling, &colorspace),
                handle, "tjDecompressHeader3")
        }
        guard width > 0, height > 0, Int(width) * Int(height) <= 64 << 20 else {
            throw LabelledFrameError("implausible JPEG size \(width)x\(height)")
        }
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * 3)
        try jpeg.withUnsafeBufferPointer { (bytes) throws(LabelledFrameError) in
            try pixels.withUnsafeMutableBufferPointer { (out) throws(LabelledFrameError) in
                try check(
                    tjDecompress2(
                        handle, bytes.baseAddress, UInt(bytes.count), out.baseAddress, width, 0, height,
                        TJPF_RGB.rawValue, 0),
                    handle, "tjDecompress2")
            }
        }
        return RGBImage(width: Int(width), height: Int(height), pixels: pixels)
    }

    private static func encode(_ image: RGBImage, quality: Int) throws(LabelledFrameError) -> [UInt8] {
        guard let handle = tjInitCompress() else { throw LabelledFrameError("tjInitCompress failed") }
        defer { tjDestroy(handle) }
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        defer { if let output { tjFree(output) } }
        try image.pixels.withUnsafeBufferPointer { (pixels) throws(LabelledFrameError) in
            try check(
                tjCompress2(
                    handle, pixels.baseAddress, Int32(image.width), 0, Int32(image.height), TJPF_RGB.rawValue,
                    &output, &size, Int32(TJSAMP_420.rawValue), Int32(min(max(quality, 1), 100)), 0),
                handle, "tjCompress2")
        }
        guard let output, size > 0 else { throw LabelledFrameError("tjCompress2 produced nothing") }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func check(_ status: Int32, _ handle: tjhandle, _ function: String) throws(LabelledFrameError) {
        guard status == 0 else {
            let message = tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error"
            throw LabelledFrameError("\(function): \(message)")
        }
    }
}

struct LabelledFrameError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
