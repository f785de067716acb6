#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes to stderr that cannot end the process. `FileHandle.write` traps when the write
/// fails, and a failed write to stderr is common in service life: `presswork serve 2>&1 | tee
/// log` on Ctrl-C ends tee first (the same process group), and the shutdown's log lines then
/// meet a closed pipe (exit 132 before). Here a failure is dropped; there is nowhere to report
/// it. `ignoreBrokenPipes()`, called first thing by the CLI, keeps SIGPIPE from killing the
/// process for the same write.
public enum StandardError {
    public static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { raw in
                #if canImport(Glibc)
                    Glibc.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                #else
                    Darwin.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                #endif
            }
            if written > 0 {
                offset += written
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    public static func ignoreBrokenPipes() {
        signal(SIGPIPE, SIG_IGN)
    }
}
