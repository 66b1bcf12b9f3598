package render

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FuzzEscapeMarkdown checks the escaper's promise on any input: the escaped
// text parses back (CommonMark + GFM) to one paragraph of plain text runs
// whose content is the cleaned input, and renders to that text, escaped.
func FuzzEscapeMarkdown(f *testing.F) {
	for _, s := range []string{
		"", "plain", "$A_n$ and SU($N_c$)", `\(T_w\)`, "a -> b", "<script>alert(1)</script>",
		"[x](javascript:alert(1))", "</details>", "&lt;b&gt; &amp; &#0; &#x41;", "*bold* _x_ **y** ~~z~~",
		"| a | b |", "`code`", "# h", "1. one", "- item", "> q", "    code", "```\nfence", "<!-- c -->",
		"www.example.com http://x.y a@b.co", "line\nbreak\r\n", "trailing\\", "a  \nb", "\x00\x01\u202e\u00a0\u2028",
		"\xff\xfe", "Rémy Łukasz", "[^1]", "- [ ] task", "<http://x>", "\\*", "===", "---", ":smile:", "\t\t",
	} {
		f.Add(s)
	}
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	f.Fuzz(func(t *testing.T, s string) {
		want := cleanText(s)
		src := []byte(EscapeMarkdown(s))
		doc := md.Parser().Parse(text.NewReader(src))
		var got bytes.Buffer
		kids := 0
		for c := doc.FirstChild(); c != nil; c = c.NextSibling() {
			kids++
			if c.Kind() != ast.KindParagraph {
				t.Fatalf("EscapeMarkdown(%q) = %q parses to a %s", s, src, c.Kind())
			}
			for in := c.FirstChild(); in != nil; in = in.NextSibling() {
				tx, ok := in.(*ast.Text)
				if !ok {
					t.Fatalf("EscapeMarkdown(%q) = %q holds a %s", s, src, in.Kind())
				}
				got.Write(util.UnescapePunctuations(tx.Value(src)))
				if tx.SoftLineBreak() || tx.HardLineBreak() {
					t.Fatalf("EscapeMarkdown(%q) = %q breaks a line", s, src)
				}
			}
		}
		if want == "" {
			if kids != 0 {
				t.Fatalf("EscapeMarkdown(%q) = %q: want nothing", s, src)
			}
			return
		}
		if kids != 1 || got.String() != want {
			t.Fatalf("EscapeMarkdown(%q) = %q reads back as %q in %d blocks, want %q", s, src, got.String(), kids, want)
		}
		var out bytes.Buffer
		if err := md.Convert(src, &out); err != nil {
			t.Fatal(err)
		}
		inner, ok := bytes.CutPrefix(out.Bytes(), []byte("<p>"))
		inner, ok2 := bytes.CutSuffix(inner, []byte("</p>\n"))
		if !ok || !ok2 || bytes.ContainsAny(inner, "<>") || html.UnescapeString(string(inner)) != want {
			t.Fatalf("EscapeMarkdown(%q) renders as %q, want the text %q", s, out.String(), want)
		}
	})
}

// FuzzInline checks inline's shortcut: text it takes as plain renders
// exactly as it would through goldmark.
func FuzzInline(f *testing.F) {
	for _, s := range []string{
		"", "plain", "Ana García, Jörg Müller", "Because it is on topic.", "1. one", "1) x", "www.x.org", "a: b",
		"http://x", "mailto:a", "#tag", "a # b", "!x", "a!b", "-x", "a-b", "+1", "=x", "x = y", "O(n)", "50%",
		"it's", "a/b", "x;y", "what?", "\u00a0x\u2028", "ü", "  spaced  out  ", "a\tb", "é\u0301", "\ufeffbom",
	} {
		f.Add(s)
	}
	r, err := newHTMLRenderer()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !isPlain(cleanText(s)) {
			return
		}
		if got, want := r.inline(s), r.convert(s); got != want {
			t.Fatalf("inline(%q) = %q, goldmark gives %q", s, got, want)
		}
	})
}

// FuzzTexHTML checks what the page inserts of any title, abstract, TL;DR
// or reason unescaped (texHTML, through tex.HTML): parsed as a browser
// would, inside a paragraph, it holds no element but MathML and tex's
// <span class="tex">, and no attribute that could run or load anything.
func FuzzTexHTML(f *testing.F) {
	for _, s := range []string{
		"", "plain", "$x^2$", `Schr\"odinger`, "SU($N_c$)", `$\frac{a}{b}$ and $\sqrt{x}$`, `\(T_w\)`, "$$x$$ \\[y\\]",
		"<script>alert(1)</script>", "$<script>$", `$\text{<img src=x onerror=alert(1)>}$`, "$x</math><script>alert(1)</script>$",
		`$\unknown{x}$`, "$a & b$", `$\mathrm{"onload=x}$`, "</p><p>", "$x$</details>", "&lt;b&gt;", "$\\left( x \\right.$",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := string(texHTML(s))
		ctx := &xhtml.Node{Type: xhtml.ElementNode, Data: "p", DataAtom: atom.P}
		nodes, err := xhtml.ParseFragment(strings.NewReader(out), ctx)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(n *xhtml.Node)
		walk = func(n *xhtml.Node) {
			if n.Type == xhtml.ElementNode {
				if n.Namespace != "math" && !(n.Data == "span" && len(n.Attr) == 1 && n.Attr[0] == xhtml.Attribute{Key: "class", Val: "tex"}) {
					t.Fatalf("texHTML(%q) = %q holds <%s %v>", s, out, n.Data, n.Attr)
				}
				for _, a := range n.Attr {
					k := strings.ToLower(a.Key)
					if strings.HasPrefix(k, "on") || strings.Contains(k, "href") || k == "src" || k == "style" || a.Namespace != "" {
						t.Fatalf("texHTML(%q) = %q: <%s %s=%q>", s, out, n.Data, a.Key, a.Val)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		for _, n := range nodes {
			walk(n)
		}
	})
}
