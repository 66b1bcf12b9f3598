// Package render turns a model.Digest into what the researcher reads: a
// Markdown digest (CommonMark, GitHub-friendly), a standalone HTML page, the
// digest.json contract, and the history pages (index.html and an Atom feed)
// over every day written so far.
//
// Every piece of text from the feed or the model is escaped by one function,
// EscapeMarkdown, before it reaches Markdown; the HTML renders those pieces
// with goldmark in its safe mode inside an html/template page. Links are only
// ever built from a validated arXiv id, never taken from text.
package render
