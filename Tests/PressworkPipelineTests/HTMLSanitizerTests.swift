import Testing

@testable import PressworkPipeline

/// What a model's (or a feed's) HTML becomes before it is published.
@Suite struct HTMLSanitizerTests {
    @Test(arguments: [
        // Allowed markup stays; its text is escaped as usual.
        ("Pull <em>slowly</em> & <strong>evenly</strong>", "Pull <em>slowly</em> &amp; <strong>evenly</strong>"),
        ("<ul><li>one</li><li>two</li></ul>", "<ul><li>one</li><li>two</li></ul>"),
        // Scripts, styles and frames go with their content, whatever their case or attributes.
        ("a<script>alert(1)</script>b", "ab"),
        ("a<SCRIPT type=x>alert(1)</script >b", "ab"),
        ("a<style>p{}</style><iframe src=x></iframe>b", "ab"),
        ("a<script>never closed", "a"),
        // Unknown tags go, their text stays; attributes not on the list go.
        ("<span class=x onclick=\"steal()\">text</span>", "text"),
        ("<p onmouseover=x class=\"lead\">t</p>", "<p class=\"lead\">t</p>"),
        ("<img src=x onerror=alert(1)>", ""),
        // Links: http, https, mailto and relative only, checked after decoding references.
        ("<a href=\"https://example.com/?a=1&amp;b=2\">x</a>", "<a href=\"https://example.com/?a=1&amp;b=2\">x</a>"),
        ("<a href=\"javascript:alert(1)\">x</a>", "<a>x</a>"),
        ("<a href=\"jav&#x61;script:alert(1)\">x</a>", "<a>x</a>"),
        ("<a href=\"java\tscript:alert(1)\">x</a>", "<a>x</a>"),
        ("<a href=\"javascript&colon;alert(1)\">x</a>", "<a>x</a>"),
        ("<a href='data:text/html,x'>x</a>", "<a>x</a>"),
        ("<a href=/about>x</a>", "<a href=\"/about\">x</a>"),
        // Comments and doctypes go; a lone "<" is text.
        ("a<!-- <script>x</script> -->b<!DOCTYPE html>c", "abc"),
        ("1 < 2 and 3 > 2", "1 &lt; 2 and 3 &gt; 2"),
        // A "<" with a combining mark is still a "<".
        ("<\u{338}script>", "&lt;\u{338}script&gt;"),
        // Valid character references stay; a bare "&" is escaped.
        ("caf&eacute; &#233; &#xE9; AT&T", "caf&eacute; &#233; &#xE9; AT&amp;T"),
        // Unclosed tags are closed; stray closers dropped; misnested ones closed in order.
        ("<strong>bold", "<strong>bold</strong>"),
        ("text</em></div>", "text"),
        ("<em><strong>x</em>y", "<em><strong>x</strong></em>y"),
        // A tag cut off at the end is dropped.
        ("ok <a href=\"https://x", "ok "),
    ])
    func sanitizes(input: String, expected: String) {
        #expect(HTMLSanitizer.sanitize(input) == expected)
    }

    @Test func paragraphsWrapTextButNotBlocks() {
        let body = "First <em>point</em>.\n\n<ul><li>a</li></ul>\n\n<script>x</script>\n\nLast."
        #expect(ArticleHTML.paragraphs(body) == ["<p>First <em>point</em>.</p>", "<ul><li>a</li></ul>", "<p>Last.</p>"])
    }
}
