import PressworkCore
import Testing

@Suite struct SecretRedactorTests {
    @Test func registeredSecretsAndCredentialShapesAreMasked() {
        SecretRedactor.register("wp-app-pass-9x8y7z")
        SecretRedactor.register("abc")  // too short to mask safely: ignored
        let cases: [(String, String)] = [
            ("401: Incorrect API key provided: wp-app-pass-9x8y7z.", "401: Incorrect API key provided: [redacted]."),
            ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload", "Authorization: Bearer [redacted]"),
            ("Incorrect API key provided: sk-proj-abcdefghijklmnopqrstuv", "Incorrect API key provided: [redacted]"),
            (
                "GET https://generativelanguage.googleapis.com/v1beta/models?key=AIzaSyD-1234567890abcdefghijklmnopqrstu failed",
                "GET https://generativelanguage.googleapis.com/v1beta/models?key=[redacted] failed"
            ),
            (#"{"api_key": "0123456789abcdef"}"#, #"{"api_key": "[redacted]"}"#),
            ("password=hunter2hunter2&user=ana", "password=[redacted]&user=ana"),
        ]
        for (text, expected) in cases { #expect(SecretRedactor.redact(text) == expected) }
        // Ordinary text stays as it is.
        for text in [
            "the config file has an unknown key \"modls\"", "idempotency key k1 was used for run 3f2a",
            "abc is a short word", "round 3: the model's reply is not valid JSON",
        ] {
            #expect(SecretRedactor.redact(text) == text)
        }
    }
}
