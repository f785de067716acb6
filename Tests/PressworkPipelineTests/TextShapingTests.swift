import Testing

@testable import PressworkPipeline

@Suite struct TextShapingTests {
    @Test func phrasesAreReplacedAsWholeWordsOnly() {
        let pairs = [("it is", "it's"), ("do not", "don't"), ("It is", "It's")]
        #expect(TextShaping.replacingPhrases(pairs, in: "It is late, and it is cold.") == "It's late, and it's cold.")
        // Inside other words, next to accented letters or apostrophes: untouched.
        #expect(
            TextShaping.replacingPhrases(pairs, in: "A visit is due; do nothing; café do not.")
                == "A visit is due; do nothing; café don't.")
        #expect(TextShaping.replacingPhrases(pairs, in: "éit is") == "éit is")
        #expect(TextShaping.replacingPhrases(pairs, in: "") == "")
        #expect(TextShaping.replacingPhrases(pairs, in: "do not") == "don't")
    }

    @Test func wordsKeepLettersDigitsAndTheirMarks() {
        #expect(TextShaping.words("Crème brûlée, 2 ways—at HOME!") == ["crème", "brûlée", "2", "ways", "at", "home"])
        // A decomposed accent stays inside its word.
        #expect(TextShaping.words("cafe\u{301} au lait") == ["cafe\u{301}", "au", "lait"])
        #expect(TextShaping.words("  ... ") == [])
        #expect(TextShaping.words("end") == ["end"] && TextShaping.words("") == [])
        #expect(TextShaping.words("日本語の文, ÉTÉ") == ["日本語の文", "été"])
    }

    @Test func paragraphsSplitAtBlankLinesAsFoundationDoes() {
        let bodies = [
            "", "one", "one\n\ntwo", "\n\nlead", "trail\n\n", "three\n\n\nnewlines", "four\n\n\n\nnewlines",
            "line\nbreak\n\nnext", "\n", "\n\n", "naïve ☕️\n\n\u{301}accent\n\nend",
        ]
        for body in bodies {
            #expect(TextShaping.paragraphs(body) == body.components(separatedBy: "\n\n"), "\(body.debugDescription)")
        }
        // By bytes: a carriage return before a blank line stays with its paragraph.
        #expect(TextShaping.paragraphs("a\r\n\nb") == ["a\r", "b"])
    }

    @Test func escapingWorksOnScalarsSoACombiningMarkCannotHideAnAngleBracket() {
        let hidden = "<\u{338}script>"  // "<" + combining long solidus overlay: one Character, not "<"
        #expect(ArticleHTML.escape(hidden) == "&lt;\u{338}script&gt;")
        #expect(ArticleHTML.escape(#"Tom & "Jerry's" <b>"#) == "Tom &amp; &quot;Jerry&#39;s&quot; &lt;b&gt;")
    }
}
