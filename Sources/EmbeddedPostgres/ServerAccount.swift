import Foundation

/// The operating-system account the embedded server runs as.
///
/// PostgreSQL refuses to run as root. Invoked as root, Presswork runs the server as an
/// unprivileged account: `$PRESSWORK_PG_USER`, else `postgres` (which Debian's package creates),
/// else a system account `presswork` that it creates. Invoked as anyone else, the server runs as
/// that user.
public struct ServerAccount: Sendable, Equatable {
    public let name: String
    public let uid: uid_t
    public let gid: gid_t
    /// True when the server runs as the invoking user (no switch needed).
    public let isInvokingUser: Bool

    public static func resolve(
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(EmbeddedPostgresError) -> ServerAccount {
        let uid = geteuid()
        if uid != 0 {
            let name = lookUp(uid: uid) ?? String(uid)
            return ServerAccount(name: name, uid: uid, gid: getegid(), isInvokingUser: true)
        }
        let requested = environment["PRESSWORK_PG_USER"].flatMap { $0.isEmpty ? nil : $0 }
        for name in [requested, "postgres", "presswork"].compactMap({ $0 }) {
            if let account = lookUp(name: name) { return account }
            if name == requested {
                throw EmbeddedPostgresError("PRESSWORK_PG_USER names \(name), which is not an account on this machine")
            }
        }
        let useradd = ChildProcess(
            executable: "/usr/sbin/useradd",
            arguments: [
                "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
                "--shell", "/usr/sbin/nologin", "presswork",
            ]
        )
        guard let outcome = try? useradd.runBlocking(), outcome.succeeded || lookUp(name: "presswork") != nil,
            let created = lookUp(name: "presswork")
        else {
            throw EmbeddedPostgresError(
                """
                PostgreSQL will not run as root, and no unprivileged account could be found or created \
                for it. Create one (useradd --system presswork) or name one with PRESSWORK_PG_USER.
                """)
        }
        return created
    }

    /// Wraps a command so that it runs as this account (`setpriv`, which execs in place).
    func command(_ executable: String, _ arguments: [String]) -> ChildProcess {
        guard !isInvokingUser else { return ChildProcess(executable: executable, arguments: arguments) }
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = "/"
        environment["USER"] = name
        environment["LOGNAME"] = name
        return ChildProcess(
            executable: "/usr/bin/setpriv",
            arguments: ["--reuid=\(uid)", "--regid=\(gid)", "--init-groups", "--", executable] + arguments,
            environment: environment
        )
    }

    /// Gives a path to this account (a no-op when it is the invoking user).
    func takeOwnership(of path: String) throws(EmbeddedPostgresError) {
        guard !isInvokingUser else { return }
        guard chown(path, uid, gid) == 0 else {
            throw EmbeddedPostgresError("cannot give \(path) to the \(name) account: \(String(cString: strerror(errno)))")
        }
    }

    private static func lookUp(name: String) -> ServerAccount? {
        guard let entry = getpwnam(name) else { return nil }
        return ServerAccount(name: name, uid: entry.pointee.pw_uid, gid: entry.pointee.pw_gid, isInvokingUser: false)
    }

    private static func lookUp(uid: uid_t) -> String? {
        guard let entry = getpwuid(uid) else { return nil }
        return String(cString: entry.pointee.pw_name)
    }
}
