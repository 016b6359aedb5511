import Foundation
import Testing

/// The model server (examples/model-server) against the SageMaker container contract, on real photos from the
/// scikit-image wheel: the astronaut is a person, the coffee cup and the cat are not.
@Suite(
    .enabled(
        if: ModelPaths.haveVenv,
        "needs .venv-model (the model server's venv): run scripts/setup-model.sh or `make setup-model`"),
    .modelServer, .timeLimit(.minutes(5)))
struct ModelServerTests {
    /// The three sample photos as PNG (as shipped) and JPEG (converted once with OpenCV from the model venv).
    static let photos: Task<[String: Data], any Error> = Task {
        let source = try ModelPaths.photoDirectory()
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kit-photos-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: output) }
        let script = """
            import cv2, sys
            for name in ("astronaut", "coffee", "chelsea"):
                picture = cv2.imread(f"{sys.argv[1]}/{name}.png", cv2.IMREAD_COLOR)
                assert picture is not None, name
                assert cv2.imwrite(f"{sys.argv[2]}/{name}.jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, 90]), name
            astronaut = cv2.imread(f"{sys.argv[1]}/astronaut.png", cv2.IMREAD_COLOR)
            assert cv2.imwrite(f"{sys.argv[2]}/astronaut-rgba.png", cv2.cvtColor(astronaut, cv2.COLOR_BGR2BGRA))
            assert cv2.imwrite(f"{sys.argv[2]}/astronaut-gray.jpg", cv2.cvtColor(astronaut, cv2.COLOR_BGR2GRAY))
            """
        let status = try runProcess(ModelPaths.python, ["-c", script, source.path, output.path])
        guard status == 0 else { throw TestFailure("JPEG conversion failed with status \(status)") }
        var photos: [String: Data] = [:]
        for name in ["astronaut", "coffee", "chelsea"] {
            photos["\(name).png"] = try Data(contentsOf: source.appendingPathComponent("\(name).png"))
            photos["\(name).jpg"] = try Data(contentsOf: output.appendingPathComponent("\(name).jpg"))
        }
        for name in ["astronaut-rgba.png", "astronaut-gray.jpg"] {
            photos[name] = try Data(contentsOf: output.appendingPathComponent(name))
        }
        return photos
    }

    static func photo(_ name: String) async throws -> Data {
        guard let data = try await photos.value[name] else { throw TestFailure("no photo \(name)") }
        return data
    }

    func invoke(_ body: Data, contentType: String, accept: String? = nil) async throws -> (status: Int, json: Any?) {
        let server = try await SharedModelServer.shared.server()
        var headers = ["Content-Type": contentType]
        if let accept { headers["Accept"] = accept }
        let (status, data) = try await HTTP.send(
            server.baseURL.appendingPathComponent("invocations"), method: "POST", body: body, headers: headers)
        return (status, try? JSONSerialization.jsonObject(with: data))
    }

    /// `prediction` rows of a 200 answer, each checked to be `[class_id, score, xmin, ymin, xmax, ymax]` with the
    /// coordinates normalised and ordered.
    func predictions(_ body: Data, contentType: String) async throws -> [[Double]] {
        let (status, json) = try await invoke(body, contentType: contentType)
        try #require(status == 200, "status \(status): \(String(describing: json))")
        let object = try #require(json as? [String: Any])
        let rows = try #require(object["prediction"] as? [[Double]], "not a prediction list: \(object)")
        for row in rows {
            try #require(row.count == 6, "row \(row)")
            #expect(row[0] == row[0].rounded() && row[0] >= 0 && row[0] < 91, "class id \(row[0])")
            #expect((0...1).contains(row[1]), "score \(row[1])")
            #expect(row[2...5].allSatisfy { (0...1).contains($0) }, "coordinates \(row)")
            #expect(row[2] < row[4] && row[3] < row[5], "box \(row)")
        }
        return rows
    }

    @Test("the astronaut is a person (COCO 0, score ≥ 0.5) whose box holds her face", arguments: ["png", "jpg"])
    func astronautIsAPerson(format: String) async throws {
        let rows = try await predictions(
            try await Self.photo("astronaut.\(format)"), contentType: format == "png" ? "image/png" : "image/jpeg")
        let people = rows.filter { $0[0] == 0 && $0[1] >= 0.5 }
        let best = try #require(people.first, "no person in \(rows)")
        // Her face is around (0.43, 0.25) of the 512x512 photo and her body fills the lower left: the box must hold
        // the face and reach the bottom, and leave out the space shuttle on the right edge.
        #expect(best[2] < 0.43 && best[4] > 0.43 && best[3] < 0.25 && best[5] > 0.25, "box \(best)")
        #expect(best[5] > 0.9, "box \(best) stops above her body")
        #expect(best[4] < 0.95, "box \(best) reaches the right edge")
    }

    @Test(
        "a PNG with an alpha channel and a greyscale JPEG are decoded too",
        arguments: ["astronaut-rgba.png", "astronaut-gray.jpg"])
    func otherPixelLayouts(name: String) async throws {
        let rows = try await predictions(
            try await Self.photo(name), contentType: name.hasSuffix("png") ? "image/png" : "image/jpeg")
        #expect(rows.contains { $0[0] == 0 && $0[1] >= 0.5 }, "\(name): \(rows)")
    }

    @Test("coffee and the cat hold no person", arguments: ["coffee.png", "coffee.jpg", "chelsea.png", "chelsea.jpg"])
    func noPersonInCoffeeOrCat(name: String) async throws {
        let rows = try await predictions(
            try await Self.photo(name), contentType: name.hasSuffix("png") ? "image/png" : "image/jpeg")
        #expect(rows.filter { $0[0] == 0 }.isEmpty, "\(name): \(rows)")
    }

    @Test func contentTypeParametersAreIgnored() async throws {
        let rows = try await predictions(try await Self.photo("astronaut.jpg"), contentType: "Image/JPEG; q=1")
        #expect(!rows.isEmpty)
    }

    @Test func wrongContentTypeIs415WithAJSONError() async throws {
        for type in ["text/plain", "application/json", "image/gif", "application/x-image"] {
            let (status, json) = try await invoke(Data("{\"a\":1}".utf8), contentType: type)
            #expect(status == 415, "\(type)")
            let message = (json as? [String: Any])?["error"] as? String
            #expect(message?.contains("image/jpeg") == true, "\(type): \(String(describing: json))")
        }
    }

    @Test func badBodiesAre400WithAJSONError() async throws {
        let astronautPNG = try await Self.photo("astronaut.png")
        let astronautJPEG = try await Self.photo("astronaut.jpg")
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "image/png"),
            ("text", Data("not a picture".utf8), "image/jpeg"),
            ("PNG sent as JPEG", astronautPNG, "image/jpeg"),
            ("JPEG sent as PNG", astronautJPEG, "image/png"),
            ("truncated PNG", astronautPNG.prefix(4000), "image/png"),
            ("PNG header only", astronautPNG.prefix(8), "image/png"),
            ("JPEG marker only", Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 0]), "image/jpeg"),
        ]
        for (label, body, type) in cases {
            let (status, json) = try await invoke(Data(body), contentType: type)
            #expect(status == 400, "\(label): \(status)")
            #expect((json as? [String: Any])?["error"] is String, "\(label): \(String(describing: json))")
        }
    }

    @Test func answersOnlyJSON() async throws {
        let (status, _) = try await invoke(
            try await Self.photo("coffee.jpg"), contentType: "image/jpeg", accept: "text/csv")
        #expect(status == 406)
        let (accepted, _) = try await invoke(
            try await Self.photo("coffee.jpg"), contentType: "image/jpeg", accept: "application/json")
        #expect(accepted == 200)
    }

    @Test func unknownPathsAndMethods() async throws {
        let server = try await SharedModelServer.shared.server()
        let (missing, _) = try await HTTP.send(server.baseURL.appendingPathComponent("predict"))
        #expect(missing == 404)
        let (put, _) = try await HTTP.send(
            server.baseURL.appendingPathComponent("invocations"), method: "PUT", body: Data([1]))
        #expect(put == 405)
        let (get, _) = try await HTTP.send(server.baseURL.appendingPathComponent("invocations"))
        #expect(get == 404)
    }

    @Test("the server stays up after bad requests and serves concurrent ones")
    func staysUpAndServesConcurrently() async throws {
        let server = try await SharedModelServer.shared.server()
        for _ in 0..<5 { _ = try await invoke(Data("garbage".utf8), contentType: "image/png") }
        _ = try await invoke(Data([0x89, 0x50]), contentType: "text/html")
        #expect(server.isRunning)
        let (ping, _) = try await HTTP.send(server.baseURL.appendingPathComponent("ping"))
        #expect(ping == 200)
        let astronaut = try await Self.photo("astronaut.jpg")
        let counts = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { try await predictions(astronaut, contentType: "image/jpeg").count }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(counts.count == 8 && counts.allSatisfy { $0 >= 1 }, "\(counts)")
        #expect(server.isRunning, "server died: \(server.log.suffix(2000))")
    }
}

private func runProcess(_ executable: URL, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
}
