/// The names of the logging metadata and span attributes Presswork attaches, in one place: log
/// queries and dashboards depend on them, so they are part of the interface.
public enum LogKey {
    public static let runID = "presswork.run.id"
    public static let runStatus = "presswork.run.status"
    public static let round = "presswork.round"
    public static let attempt = "presswork.attempt"
    public static let schedule = "presswork.schedule"
    public static let webhook = "presswork.webhook"
    public static let event = "presswork.event"
    public static let migration = "presswork.migration"
    public static let view = "presswork.view"
}
