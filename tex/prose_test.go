package tex

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Real titles and abstract phrases (testdata/arxiv).
		{"title accent", `Optical Schr\"odinger cat states`, "Optical Schrödinger cat states"},
		{"title acute", `Cram\'er-Rao bounds`, "Cramér-Rao bounds"},
		{"title math kept", `Efficient Truncations of SU($N_c$) Lattice Gauge Theory`, "Efficient Truncations of SU($N_c$) Lattice Gauge Theory"},
		{"en dash", `Sherrington--Kirkpatrick model`, "Sherrington–Kirkpatrick model"},
		{"paren math kept", `operator \(T_w\) on`, `operator \(T_w\) on`},
		{"math with accent command kept", `$\'e$ and \'e`, `$\'e$ and é`},
		{"k-cubic", `$k$-cubic`, `$k$-cubic`},
		// Prose ligatures and escapes.
		{"em dash", `a---b`, "a—b"},
		{"single hyphen", `self-adjoint`, "self-adjoint"},
		{"quotes", "``fast'' space", "“fast” space"},
		{"single quotes kept", "the 'fast space'", "the 'fast space'"},
		{"tie", `Fig.~1`, "Fig.\u00a01"},
		{"tilde in URL kept", `see https://example.org/~user/x`, "see https://example.org/~user/x"},
		{"escaped", `R\&D 50\% a\_b \#1 \$5`, "R&D 50% a_b #1 $5"},
		{"emph", `\emph{Ab initio} study`, "Ab initio study"},
		{"textit nested accent", `\textit{na\"ive}`, "naïve"},
		{"ldots keeps space", `a, b, \ldots and c`, "a, b, … and c"},
		{"LaTeX with braces", `\LaTeX{} docs`, "LaTeX docs"},
		{"section", `\S 3`, "§ 3"},
		{"unknown kept", `see \cite{x}`, `see \cite{x}`},
		{"grouping braces", `{GPU}s`, "GPUs"},
		// Dollars that are not math.
		{"currency", "costs $5 and $10", "costs $5 and $10"},
		{"lone dollar", "a $ b", "a $ b"},
		{"unbalanced", "only $x here", "only $x here"},
		{"unclosed paren", `an \( open`, `an \( open`},
		// Plain text.
		{"empty", "", ""},
		{"plain", "Quantum error correction", "Quantum error correction"},
		{"nfc", "Re\u0301nyi", "Rényi"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// ml wraps the MathML of one span as HTML writes it.
func ml(body, tex string) string {
	return `<math><semantics>` + body + `<annotation encoding="application/x-tex">` + tex + `</annotation></semantics></math>`
}

func TestHTML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"real title", `Efficient Truncations of SU($N_c$) Lattice`,
			"Efficient Truncations of SU(" + ml(`<msub><mi>N</mi><mi>c</mi></msub>`, "N_c") + ") Lattice"},
		{"prose escaped", `R\&D <b> "x" 'y'`, "R&amp;D &lt;b&gt; &#34;x&#34; &#39;y&#39;"},
		{"plain escaped on the fast path", `a < b & c`, "a &lt; b &amp; c"},
		{"entity-looking text stays text", `&lt;script&gt;`, "&amp;lt;script&amp;gt;"},
		{"accent", `Schr\"odinger`, "Schrödinger"},
		{"k-cubic", `$k$-cubic`, ml(`<mi>k</mi>`, "k") + "-cubic"},
		{"greek and relation", `$n\geq 4$`, ml(`<mrow><mi>n</mi><mo>≥</mo><mn>4</mn></mrow>`, `n\geq 4`)},
		{"capital greek upright", `$\Gamma$`, ml(`<mi mathvariant="normal">Γ</mi>`, `\Gamma`)},
		{"number", `$16\,384$`, ml(`<mrow><mn>16</mn><mspace width="0.1667em"></mspace><mn>384</mn></mrow>`, `16\,384`)},
		{"decimal and minus", `$-4.9(1)$`, ml(`<mrow><mo>−</mo><mn>4.9</mn><mo>(</mo><mn>1</mn><mo>)</mo></mrow>`, `-4.9(1)`)},
		{"superscript group", `$2^{n-1}$`, ml(`<msup><mn>2</mn><mrow><mi>n</mi><mo>−</mo><mn>1</mn></mrow></msup>`, `2^{n-1}`)},
		{"subsup", `$x_i^2$`, ml(`<msubsup><mi>x</mi><mi>i</mi><mn>2</mn></msubsup>`, `x_i^2`)},
		{"one-token script", `$x^23$`, ml(`<mrow><msup><mi>x</mi><mn>2</mn></msup><mn>3</mn></mrow>`, `x^23`)},
		{"prime", `$f'(x)$`, ml(`<mrow><msup><mi>f</mi><mo>′</mo></msup><mo>(</mo><mi>x</mi><mo>)</mo></mrow>`, `f&#39;(x)`)},
		{"frac", `$\frac{4}{3}$`, ml(`<mfrac><mn>4</mn><mn>3</mn></mfrac>`, `\frac{4}{3}`)},
		{"frac tokens", `$\tfrac12$`, ml(`<mfrac><mn>1</mn><mn>2</mn></mfrac>`, `\tfrac12`)},
		{"sqrt", `$\sqrt{x}$`, ml(`<msqrt><mi>x</mi></msqrt>`, `\sqrt{x}`)},
		{"root", `$\sqrt[3]{x}$`, ml(`<mroot><mi>x</mi><mn>3</mn></mroot>`, `\sqrt[3]{x}`)},
		{"mathcal", `$\mathcal{O}(n)$`, ml(`<mrow><mi>𝒪</mi><mo>(</mo><mi>n</mi><mo>)</mo></mrow>`, `\mathcal{O}(n)`)},
		{"mathbb hole", `$\mathbb R$`, ml(`<mi>ℝ</mi>`, `\mathbb R`)},
		{"mathbf", `$\mathbf{A}^2$`, ml(`<msup><mi>𝐀</mi><mn>2</mn></msup>`, `\mathbf{A}^2`)},
		{"mathrm word", `$T_\mathrm{max}$`, ml(`<msub><mi>T</mi><mi>max</mi></msub>`, `T_\mathrm{max}`)},
		{"mathrm letter", `$\mathrm{d}x$`, ml(`<mrow><mi mathvariant="normal">d</mi><mi>x</mi></mrow>`, `\mathrm{d}x`)},
		{"text", `$\text{GHZ}_3$`, ml(`<msub><mtext>GHZ</mtext><mn>3</mn></msub>`, `\text{GHZ}_3`)},
		{"function", `$\log n$`, ml(`<mrow><mi>log</mi><mi>n</mi></mrow>`, `\log n`)},
		{"left right", `$\left(\frac{a}{b}\right)$`, ml(`<mrow><mo>(</mo><mfrac><mi>a</mi><mi>b</mi></mfrac><mo>)</mo></mrow>`, `\left(\frac{a}{b}\right)`)},
		{"left dot", `$\left.x\right|$`, ml(`<mrow><mi>x</mi><mo>|</mo></mrow>`, `\left.x\right|`)},
		{"bigl", `$\bigl(x\bigr)$`, ml(`<mrow><mo>(</mo><mi>x</mi><mo>)</mo></mrow>`, `\bigl(x\bigr)`)},
		{"hat", `$\hat{H}$`, ml(`<mover accent="true"><mi>H</mi><mo>^</mo></mover>`, `\hat{H}`)},
		{"braces", `$\{O_m\}$`, ml(`<mrow><mo>{</mo><msub><mi>O</mi><mi>m</mi></msub><mo>}</mo></mrow>`, `\{O_m\}`)},
		{"less than escaped", `$0< \delta \ll 1$`, ml(`<mrow><mn>0</mn><mo>&lt;</mo><mi>δ</mi><mo>≪</mo><mn>1</mn></mrow>`, `0&lt; \delta \ll 1`)},
		{"not", `$a \not= b$`, ml(`<mrow><mi>a</mi><mo>≠</mo><mi>b</mi></mrow>`, `a \not= b`)},
		{"paren delimiters", `\(T_w\)`, ml(`<msub><mi>T</mi><mi>w</mi></msub>`, `T_w`)},
		{"display dollars", `$$x$$`, ml(`<mi>x</mi>`, `x`)},
		// Fallback: the span as written, escaped.
		{"unknown command", `$\foo x$`, `<span class="tex">$\foo x$</span>`},
		{"unclosed frac", `$\frac{a$`, `<span class="tex">$\frac{a$</span>`},
		{"frac missing argument", `$\frac{a}$`, `<span class="tex">$\frac{a}$</span>`},
		{"stray close brace", `$a}$`, `<span class="tex">$a}$</span>`},
		{"alignment", `$a & b$`, `<span class="tex">$a &amp; b$</span>`},
		{"double superscript", `$x^2^3$`, `<span class="tex">$x^2^3$</span>`},
		{"environment", `$\begin{pmatrix}a\end{pmatrix}$`, `<span class="tex">$\begin{pmatrix}a\end{pmatrix}$</span>`},
		{"fallback escapes markup", `$<script>\foo$`, `<span class="tex">$&lt;script&gt;\foo$</span>`},
		// The first $ cannot close at "a $" (a space on its left), so the
		// math is $b$ alone, and \text in prose is a style command.
		{"math in text", `$\text{a $b$}$`, `$a ` + ml(`<mi>b</mi>`, `b`) + `$`},
		// Not math at all.
		{"currency", "costs $5 and $10", "costs $5 and $10"},
		{"unbalanced dollar", "only $x here", "only $x here"},
		{"currency range", "from $5-$10", "from $5-$10"},
		{"closing before digit", `$\sim$300k papers`, ml(`<mo>∼</mo>`, `\sim`) + "300k papers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HTML(tt.in); got != tt.want {
				t.Errorf("HTML(%q)\n got %s\nwant %s", tt.in, got, tt.want)
			}
			checkHTML(t, tt.in, HTML(tt.in))
		})
	}
}

func TestPlain(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Real titles and abstract phrases.
		{"real title", `Efficient Truncations of SU($N_c$) Lattice`, "Efficient Truncations of SU(N_c) Lattice"},
		{"accent", `Cram\'er-Rao bounds`, "Cramér-Rao bounds"},
		{"big O", `$\mathcal{O}(n^{2} \log(n))$ gates`, "𝒪(n² log(n)) gates"},
		{"limit", `$|g|\to\infty$`, "|g|→∞"},
		{"spaced limit", `$n \to \infty$`, "n → ∞"},
		{"geq", `$n\geq6$`, "n≥6"},
		{"GHZ", `$\text{GHZ}_3$`, "GHZ₃"},
		{"GHZ no script form", `$\text{GHZ}_{n\geq 4}$`, "GHZ_(n≥4)"},
		{"letters subscript", `$T_{max}$`, "Tₘₐₓ"},
		{"greek subscript", `$\lambda_{ph}$`, "λₚₕ"},
		{"bold", `$\mathbf{A}^2$`, "𝐀²"},
		{"double struck", `$\mathbb{PT}$`, "ℙ𝕋"},
		{"hbar", `\(i\hbar\,\mathrm{d}/\mathrm{d}E\)`, "iℏ\u2009d/dE"},
		{"frac", `$\frac{4}{3}$`, "4/3"},
		{"frac compound", `$\frac{n-1}{2}$`, "(n−1)/2"},
		{"sqrt", `$\sqrt{x+1}$`, "√(x+1)"},
		{"cube root", `$\sqrt[3]{x}$`, "∛x"},
		{"hat", `$\hat{H}$`, "Ĥ"},
		{"times", `$3.82 \times$`, "3.82 ×"},
		{"sets", `$\{O_m \}_{m\ge 0}$`, "{Oₘ}_(m≥0)"},
		{"interval", `$[- \delta, \delta]$`, "[−δ, δ]"},
		{"sign and function", `$\partial_E + \tfrac12\,\partial_E\ln w$`, "∂_E + 1/2\u2009∂_E ln w"},
		{"space after command word ignored", `$\lvert E\rvert$`, "|E|"},
		{"dagger", `$a^\dagger$`, "a†"},
		{"transpose", `$A^T$`, "Aᵀ"},
		{"prime", `$f''$`, "f″"},
		{"no superscript q", `$x^q$`, "x^q"},
		{"function space", `$\log{n}$`, "log n"},
		// Fallback: TeX source without delimiters.
		{"unknown", `see $\foo{x}$ here`, `see \foo{x} here`},
		{"hat on two letters", `$\hat{xy}$`, `\hat{xy}`},
		{"currency", "costs $5 and $10", "costs $5 and $10"},
		{"plain", "Quantum", "Quantum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Plain(tt.in); got != tt.want {
				t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestHasMath(t *testing.T) {
	for in, want := range map[string]bool{
		"SU($N_c$)":          true,
		`\(T_w\)`:            true,
		"$$x$$":              true,
		"costs $5 and $10":   false,
		`\$x\$`:              false,
		"no math":            false,
		"$ x$":               false,
		"$x $":               false,
		`half $\pi$ pulse`:   true,
		"$1$1":               false,
		`$\sim$300k`:         true,
		`a \( b`:             false,
		`$\text{x}$ and $y$`: true,
	} {
		if got := HasMath(in); got != want {
			t.Errorf("HasMath(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestToUnicodeKeepsNameRules: the prose rules are for titles and abstracts
// only; author names read as before.
func TestToUnicodeKeepsNameRules(t *testing.T) {
	for in, want := range map[string]string{
		"Jean--Pierre": "Jean--Pierre",
		"A.~Smith":     "A.~Smith",
		`\ldots`:       `\ldots`,
	} {
		if got := ToUnicode(in); got != want {
			t.Errorf("ToUnicode(%q) = %q, want %q", in, got, want)
		}
	}
}

// allowedTags are every tag HTML may write, exactly as written.
var allowedTags = map[string]bool{}

func init() {
	for _, name := range []string{"math", "semantics", "mrow", "mi", "mn", "mo", "mtext", "msub", "msup",
		"msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "mspace", "span", "annotation"} {
		allowedTags["</"+name+">"] = true
	}
	for _, tag := range []string{"<math>", "<semantics>", "<mrow>", "<mi>", `<mi mathvariant="normal">`,
		"<mn>", "<mo>", "<mtext>", "<msub>", "<msup>", "<msubsup>", "<mfrac>", "<msqrt>", "<mroot>",
		`<mover accent="true">`, `<munder accentunder="true">`, `<span class="tex">`,
		`<annotation encoding="application/x-tex">`} {
		allowedTags[tag] = true
	}
	for _, s := range mathSpaces {
		if s.width != "" {
			allowedTags[`<mspace width="`+s.width+`">`] = true
		}
	}
}

// checkHTML fails unless out is well-formed, safe HTML: every tag one of
// allowedTags, tags balanced, no bare < > " ' in text, every & one of the
// entities writeEscaped writes.
func checkHTML(t *testing.T, in, out string) {
	t.Helper()
	var stack []string
	for i := 0; i < len(out); {
		switch out[i] {
		case '<':
			j := strings.IndexByte(out[i:], '>')
			if j < 0 {
				t.Fatalf("HTML(%q) = %q: unclosed tag at %d", in, out, i)
			}
			tag := out[i : i+j+1]
			if !allowedTags[tag] {
				t.Fatalf("HTML(%q) = %q: tag %q not allowed", in, out, tag)
			}
			name := strings.Trim(strings.Fields(tag)[0], "</>")
			if strings.HasPrefix(tag, "</") {
				if len(stack) == 0 || stack[len(stack)-1] != name {
					t.Fatalf("HTML(%q) = %q: %s closes nothing open (open: %v)", in, out, tag, stack)
				}
				stack = stack[:len(stack)-1]
			} else {
				stack = append(stack, name)
			}
			i += j + 1
		case '&':
			ok := false
			for _, e := range []string{"&amp;", "&lt;", "&gt;", "&#34;", "&#39;"} {
				if strings.HasPrefix(out[i:], e) {
					ok = true
					i += len(e)
					break
				}
			}
			if !ok {
				t.Fatalf("HTML(%q) = %q: bare & at %d", in, out, i)
			}
		case '>', '"', '\'':
			t.Fatalf("HTML(%q) = %q: unescaped %q at %d", in, out, out[i], i)
		default:
			i++
		}
	}
	if len(stack) != 0 {
		t.Fatalf("HTML(%q) = %q: unclosed %v", in, out, stack)
	}
}

var fuzzSeeds = []string{
	`SU($N_c$)`, `$k$-cubic`, `Schr\"odinger`, `costs $5 and $10`, `$\frac{`, `$\frac{a}{b}$`,
	`\(T_w = i\hbar\bigl(\partial_E + \tfrac12\,\partial_E\ln w(E)\bigr)\)`, `$\left(x\right.$`,
	`$\sqrt[3]{x}$`, `$x^{2}_{1}'$`, `$$a$$`, `\[x\]`, `$\text{a\'e}$`, `$\mathcal{O}(n)$`,
	`$\hat{}$`, `$^2$`, `$\not$`, `$\left($`, `$<>&"'$`, "$\xff$", `$\operatorname{tr}A$`,
	`$\{\}$`, `$\begin{x}$`, `$a~b$`, "``a'' -- b~c", `\$5`, `$\\$`, `{{{{$x$}`,
}

func FuzzHTML(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkHTML(t, s, HTML(s))
	})
}

func FuzzPlainText(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, plain := Text(s), Plain(s)
		md := Markdown(s, strings.TrimSpace)
		for name, got := range map[string]string{"Text": text, "Plain": plain, "Markdown": md} {
			if !utf8.ValidString(got) {
				t.Fatalf("%s(%q) = %q: invalid UTF-8", name, s, got)
			}
		}
		if !HasMath(s) && plain != text {
			t.Fatalf("no math in %q, but Plain %q differs from Text %q", s, plain, text)
		}
	})
}

func TestDeepNesting(t *testing.T) {
	for _, s := range []string{
		"$" + strings.Repeat("{", 100000) + "x" + strings.Repeat("}", 100000) + "$",
		"$" + strings.Repeat(`\frac`, 100000) + "$",
		"$" + strings.Repeat(`\sqrt`, 100000) + "x$",
	} {
		if got := HTML(s); !strings.HasPrefix(got, `<span class="tex">`) {
			t.Errorf("HTML of %d bytes of nesting = %.40q..., want the TeX fallback", len(s), got)
		}
	}
}

// TestEveryCommand: every command in the tables converts, alone or with an
// argument, to MathML and to Plain text; a typo in a table would show here.
func TestEveryCommand(t *testing.T) {
	var spans []string
	for name := range greek {
		spans = append(spans, `\`+name)
	}
	for name := range mathSymbols {
		spans = append(spans, `\`+name)
	}
	for name := range mathFunctions {
		spans = append(spans, `\`+name+` x`)
	}
	for name, s := range mathSpaces {
		if s.width != "" {
			spans = append(spans, `a\`+name+` b`)
		}
	}
	for name := range mathAccents {
		spans = append(spans, `\`+name+`{x}`)
	}
	for name := range alphabets {
		spans = append(spans, `\`+name+`{Ab1}`)
	}
	for name := range bigSizes {
		spans = append(spans, `\`+name+`(`)
	}
	for name := range mathDelims {
		spans = append(spans, `\left\`+name+` x \right\`+name)
	}
	for _, tex := range spans {
		s := "$" + tex + "$"
		if got := HTML(s); !strings.HasPrefix(got, "<math>") {
			t.Errorf("HTML(%q) = %q, want MathML", s, got)
		}
		if got := Plain(s); strings.Contains(got, `\`) || got == "" {
			t.Errorf("Plain(%q) = %q, want it approximated", s, got)
		}
	}
}

func TestAlphabets(t *testing.T) {
	for in, want := range map[string]string{
		`$\mathcal{ABEo}$`:              "𝒜ℬℰℴ",
		`$\mathbb{NZ1}$`:                "ℕℤ𝟙",
		`$\mathfrak{gH}$`:               "𝔤ℌ",
		`$\mathsf{T}$`:                  "𝖳",
		`$\mathtt{x}$`:                  "𝚡",
		`$\boldsymbol{x}$`:              "𝒙",
		`$\mathit{h}$`:                  "ℎ",
		`$\mathbf{\Gamma}$`:             "Γ",
		`$\mathcal{O}(n^{-1})$`:         "𝒪(n⁻¹)",
		`$\operatorname{tr} A$`:         "tr A",
		`$\mathrm{max}_i$`:              "maxᵢ",
		`$\vec{v}\cdot\dot{x}$`:         "v⃗⋅ẋ",
		`$\overline{AB}$`:               "A̅B̅",
		`$\sqrt[n]{x}$`:                 "ⁿ√x",
		`$\left\langle x\right\rangle$`: "⟨x⟩",
	} {
		if got := Plain(in); got != want {
			t.Errorf("Plain(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdown(t *testing.T) {
	// escape stands for the caller's Markdown escaper: it marks what it
	// was given and trims it, as render.EscapeMarkdown does.
	escape := func(s string) string { return "[" + strings.TrimSpace(strings.ReplaceAll(s, "*", `\*`)) + "]" }
	tests := []struct {
		name, in, want string
	}{
		{"real title", `Efficient Truncations of SU($N_c$) Lattice`, "[Efficient Truncations of SU(]$N_c$[) Lattice]"},
		{"spaces kept", `half $\pi$ pulse`, `[half] $\pi$ [pulse]`},
		{"paren delimiters", `operator \(T_w\) on`, "[operator] $T_w$ [on]"},
		{"display", `$$ x^2 $$`, "$x^2$"},
		{"prose decoded and escaped", `Schr\"odinger *cat* -- $x$`, "[Schrödinger \\*cat\\* –] $x$"},
		{"currency", "costs $5 and $10", "[costs $5 and $10]"},
		{"fallback math kept", `$\foo$`, `$\foo$`},
		{"plain", "Quantum", "[Quantum]"},
		{"dollar inside", `\(a\$b\)`, `[\(a\$b\)]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Markdown(tt.in, escape); got != tt.want {
				t.Errorf("Markdown(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
