import Foundation
import KVSMatroska
import Testing

/// The real GetMedia captures, checked against mkvinfo's reading of the same bytes (never against our own output).
@Suite struct CaptureTests {
    @Test(arguments: Fixture.captureNames)
    func fragmentsMatchMkvinfo(name: String) throws {
        let path = Fixture.captures.appendingPathComponent(name).path
        let oracle = try MkvinfoOracle(path: path)
        let (fragments, errors) = parse(try Fixture.capture(name))
        #expect(errors.isEmpty, "\(errors)")
        // Guard the oracle itself: the Cluster counts mkvinfo shows for these files.
        let knownClusters = [
            "clusters.mkv": 8, "empty-mkv-with-tags.mkv": 0, "output_get_media.mkv": 5,
            "output_get_media_sparse_fragments.mkv": 3, "test_mixed_tags.mkv": 10, "test_tags_empty_cluster.mkv": 0,
            "vogels_480.mkv": 9,
        ]
        if let known = knownClusters[name] { #expect(oracle.clusters.count == known) }

        // One fragment per Cluster; a Segment with no Cluster still yields one (its tags must not vanish).
        let withCluster = fragments.filter { $0.clusterTimecode != nil }
        #expect(withCluster.count == oracle.clusters.count)
        for (fragment, cluster) in zip(withCluster, oracle.clusters) {
            #expect(fragment.frames.count == cluster.totalFrames)
            #expect(
                fragment.clusterTimecode.map { $0 * Int64(fragment.timecodeScale) / 1_000_000 }
                    == cluster.timestampMillis)
            for (track, count) in cluster.frames {
                #expect(fragment.frames.filter { $0.trackNumber == track }.count == count, "track \(track)")
                #expect(
                    fragment.frames.filter { $0.trackNumber == track && $0.keyFrame }.count
                        == cluster.keyFrames[track, default: 0], "key frames of track \(track)")
            }
        }

        // KVS tags: numbers, timestamps (ceil(seconds × 1000)), trailing tags, in order.
        let numbers = oracle.values(of: KVSTagName.fragmentNumber)
        #expect(fragments.compactMap(\.metadata?.fragmentNumber) == numbers)
        let millis = { (s: String) in Int64((Double(s)! * 1000).rounded(.up)) }
        #expect(
            fragments.compactMap(\.metadata?.serverTimestampMillis)
                == oracle.values(of: KVSTagName.serverTimestamp).map(millis))
        #expect(
            fragments.compactMap(\.metadata?.producerTimestampMillis)
                == oracle.values(of: KVSTagName.producerTimestamp).map(millis))
        #expect(
            fragments.compactMap(\.metadata?.millisBehindNow)
                == oracle.values(of: KVSTagName.millisBehindNow).map { Int64($0)! })
        #expect(fragments.compactMap(\.metadata?.continuationToken) == oracle.values(of: KVSTagName.continuationToken))

        // Every SimpleTag reaches exactly one fragment, in order.
        let ours = fragments.flatMap { $0.tags.map { "\($0.name)=\($0.value ?? "")" } }
        let theirs = oracle.tags.map { "\($0.name)=\($0.value)" }
        if fragments.count == 1 || name == "vogels_480.mkv" || name == "clusters.mkv" {
            // Plain files: Segment-level tags are shared by every Cluster's fragment.
            #expect(Set(ours) == Set(theirs))
        } else {
            #expect(ours == theirs)
        }
        #expect(fragments.compactMap(\.videoTrack?.codecID).allSatisfy { oracle.codecIDs.contains($0) })
    }

    @Test func getMediaMetadataPrintsLikeTheJavaLibrary() throws {
        let (fragments, _) = parse(try Fixture.capture("output_get_media.mkv"))
        let first = try #require(fragments.first)
        #expect(
            first.metadata?.description
                == "FragmentMetadata(fragmentNumberString=91343852333181432392682062607743920146159169392, "
                + "serverSideTimestampMillis=1511852109126, producerSideTimestampMillis=1511852108513, "
                + "fragmentNumber=91343852333181432392682062607743920146159169392, success=true, errorId=0, "
                + "errorCode=null, millisBehindNow=OptionalLong[15858], "
                + "continuationToken=Optional[91343852333181432392682062607743920146159169392])")
        #expect(
            first.frames.first?.description
                == "Frame(trackNumber=1, timeCode=0, keyFrame=true, invisible=false, discardable=false, lacing=NO)")
        #expect(
            first.frames[1].description
                == "Frame(trackNumber=1, timeCode=33, keyFrame=false, invisible=false, discardable=false, lacing=NO)")
        // Existing consumers parse the string by position: fragment[17:-1].split(",")[0].split("=")[1] etc.
        let s = try #require(first.metadata?.description)
        let fields = s.dropFirst(17).dropLast().split(separator: ",").map { $0.split(separator: "=")[1] }
        #expect(fields[0] == "91343852333181432392682062607743920146159169392")
        #expect(fields[1] == "1511852109126")
        #expect(fields[2] == "1511852108513")
        #expect(first.videoTrack?.codecPrivate?.count == 54)
        #expect(first.videoTrack?.matrixCoefficients == 1)
    }

    @Test func vogelsSeparatesVideoFromAudio() throws {
        let (fragments, errors) = parse(try Fixture.capture("vogels_480.mkv"))
        #expect(errors.isEmpty)
        let video = try #require(fragments.first?.videoTrack)
        #expect(video.codecID == "V_MPEG4/ISO/AVC")
        let audio = try #require(fragments.first?.tracks.first { $0.type == .audio })
        #expect(audio.codecID == "A_AAC")
        #expect(audio.samplingFrequency != nil && audio.channels != nil)
        let oracle = try MkvinfoOracle(path: Fixture.captures.appendingPathComponent("vogels_480.mkv").path)
        let videoKeys = fragments.flatMap(\.frames).filter { $0.trackNumber == video.number && $0.keyFrame }.count
        #expect(videoKeys == oracle.clusters.map { $0.keyFrames[video.number, default: 0] }.reduce(0, +))
    }

    /// BlockGroups with ReferenceBlocks and laced audio, written by mkvmerge from a real capture.
    @Test func blockGroupsAndLacingFromMkvmerge() throws {
        let dir = try Fixture.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("groups.mkv").path
        _ = try Fixture.run(
            "mkvmerge",
            ["--engage", "no_simpleblocks", "-o", out, Fixture.captures.appendingPathComponent("vogels_480.mkv").path])
        let oracle = try MkvinfoOracle(path: out)
        let (fragments, errors) = parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
        #expect(errors.isEmpty, "\(errors)")
        #expect(fragments.count == oracle.clusters.count)
        #expect(fragments.flatMap(\.frames).contains { $0.lacing != .none })
        for (fragment, cluster) in zip(fragments, oracle.clusters) {
            for (track, count) in cluster.frames {
                #expect(fragment.frames.filter { $0.trackNumber == track }.count == count)
                #expect(
                    fragment.frames.filter { $0.trackNumber == track && $0.keyFrame }.count
                        == cluster.keyFrames[track, default: 0])
            }
        }
    }
}
