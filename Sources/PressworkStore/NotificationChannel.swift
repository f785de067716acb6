/// The channels the schema's triggers NOTIFY (sql/migrations), named once for every listener.
public enum NotificationChannel {
    /// A run became queued, whoever queued it (payload: the run id): workers wake on it.
    public static let runs = "presswork_runs"
    /// An event was written to the outbox (payload: '<event id> <run id>'): webhook delivery and
    /// progress streams wake on it.
    public static let events = "presswork_events"
}
