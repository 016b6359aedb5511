import HTTPTransportCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Starts the one dedicated OS thread that runs the curl event loop. The thread is detached; its owner learns
/// that it finished through its own state (``CurlEventLoop/shutdown()`` waits for that), not by joining.
enum LoopThread {
    private final class Box {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) throws(HTTPError) {
        let box = Unmanaged.passRetained(Box(name: name, body: body)).toOpaque()
        #if canImport(Darwin)
            var thread: pthread_t?
            let status = pthread_create(
                &thread, nil,
                { argument in
                    LoopThread.run(argument)
                    return nil
                }, box)
        #else
            var thread = pthread_t()
            let status = pthread_create(
                &thread, nil,
                { argument in
                    if let argument { LoopThread.run(argument) }
                    return nil
                }, box)
        #endif
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw HTTPError(code: .internalError, message: "pthread_create failed with errno \(status)")
        }
        #if canImport(Darwin)
            if let thread { pthread_detach(thread) }
        #else
            pthread_detach(thread)
        #endif
    }

    private static func run(_ argument: UnsafeMutableRawPointer) {
        let box = Unmanaged<Box>.fromOpaque(argument).takeRetainedValue()
        #if canImport(Darwin)
            _ = pthread_setname_np(box.name)
        #endif
        box.body()
    }
}
