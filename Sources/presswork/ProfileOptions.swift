import ArgumentParser

/// `--profile` and `--site`: the writer profile and the WordPress site a run (or a schedule's
/// runs) use instead of this process's own settings.
struct ProfileOptions: ParsableArguments {
    @Option(help: "The writer profile (presswork profiles list); default: this process's LLM, embeddings and trends settings.")
    var profile: String?

    @Option(help: "The WordPress site to publish to (presswork sites list); default: this process's WORDPRESS_* settings.")
    var site: String?
}
