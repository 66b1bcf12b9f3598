package tex

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestToUnicode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// Names seen in real arXiv feeds.
		{"acute", `R\'emy`, "Rémy"},
		{"diaeresis", `G\"unther`, "Günther"},
		{"caron braced", `Hajdu\v{s}ek`, "Hajdušek"},
		{"l stroke braced", `Przemys{\l}aw`, "Przemysław"},
		{"o slash braced", `S{\o}ren Stobbe`, "Søren Stobbe"},
		{"acute on capital", `Stanis{\l}aw \'Swierczewski`, "Stanisław Świerczewski"},
		{"two accents", `Fr\'ed\'eric D\'eliot`, "Frédéric Déliot"},
		{"cedilla braced", `Gon\c{c}alves`, "Gonçalves"},
		{"tilde", `Mu\~noz`, "Muñoz"},
		{"diaeresis capital", `Patrik \"Ohberg`, "Patrik Öhberg"},
		{"acute n", `Stobi\'nska`, "Stobińska"},
		// Every way of writing the argument.
		{"braced whole", `{\'e}`, "é"},
		{"braced argument", `\'{e}`, "é"},
		{"space before letter", `\' e`, "é"},
		{"space inside braces", `\'{ e }`, "é"},
		{"both braces", `{\'{e}}`, "é"},
		{"dotless i braced", `\"{\i}`, "ï"},
		{"dotless i bare", `\"\i`, "ï"},
		{"acute dotless i", `Mart\'{\i}nez`, "Martínez"},
		{"acute on o slash", `\'{\o}`, "ǿ"},
		{"letter accent space", `\v s`, "š"},
		{"letter accent braced", `\v{S}`, "Š"},
		// Every accent.
		{"grave", "\\`a", "à"},
		{"circumflex", `\^o`, "ô"},
		{"macron", `\=a`, "ā"},
		{"dot above", `\.z`, "ż"},
		{"breve", `\u{g}`, "ğ"},
		{"caron c", `\v{c}`, "č"},
		{"double acute", `Erd\H{o}s`, "Erdős"},
		{"cedilla c", `\c{c}`, "ç"},
		{"cedilla s", `\c s`, "ş"},
		{"ogonek", `\k{a}`, "ą"},
		{"ring", `\r{u}`, "ů"},
		{"ring A", `\r{A}`, "Å"},
		{"dot below", `\d{s}`, "ṣ"},
		{"dot on capital I", `\.I`, "İ"},
		// Letters.
		{"l", `\l`, "ł"},
		{"L", `{\L}\'od\'z`, "Łódź"},
		{"o", `{\o}`, "ø"},
		{"O", `{\O}`, "Ø"},
		{"aa", `{\aa}`, "å"},
		{"AA", `\AA{}ngstr\"om`, "Ångström"},
		{"ae", `{\ae}`, "æ"},
		{"AE", `{\AE}`, "Æ"},
		{"oe", `{\oe}`, "œ"},
		{"OE", `{\OE}`, "Œ"},
		{"ss", `Stra{\ss}e`, "Straße"},
		{"ss eats space", `Stra\ss e`, "Straße"},
		{"i", `{\i}`, "ı"},
		{"j", `{\j}`, "ȷ"},
		{"dh", `{\dh}`, "ð"},
		{"DH", `{\DH}`, "Ð"},
		{"th", `{\th}`, "þ"},
		{"TH", `{\TH}`, "Þ"},
		{"ng", `{\ng}`, "ŋ"},
		{"NG", `{\NG}`, "Ŋ"},
		{"o eats space", `S\o ren`, "Søren"},
		// Escapes and braces.
		{"ampersand", `Smith \& Sons`, "Smith & Sons"},
		{"percent", `100\%`, "100%"},
		{"escaped braces", `\{x\}`, "{x}"},
		{"grouping braces", `{Smith}`, "Smith"},
		{"nested braces", `{{van} Dam}`, "van Dam"},
		{"unmatched close", `Smith}`, "Smith"},
		{"unmatched open", `{Smith`, "Smith"},
		{"style command", `\textbf{Bold} Name`, "Bold Name"},
		{"emph", `\emph{x}`, "x"},
		// Left readable.
		{"unknown command kept", `\foo`, `\foo`},
		{"unknown command with group", `\foo{b\'ar}`, `\foo{bár}`},
		{"unknown command space kept", `\foo bar`, `\foo bar`},
		{"unknown symbol kept", `a\*b`, `a\*b`},
		{"trailing backslash", `abc\`, `abc\`},
		{"accent without argument", `R\'`, "R'"},
		{"accent before close", `{R\'}`, "R'"},
		{"letter accent without argument", `x\v`, `x\v`},
		{"accent on empty group", `\'{}e`, "'e"},
		{"math untouched", `$\alpha$`, `$\alpha$`},
		// Plain and already-Unicode text.
		{"empty", "", ""},
		{"plain", "Rodney Van Meter", "Rodney Van Meter"},
		{"unicode", "İsmail Tarım", "İsmail Tarım"},
		{"decomposed to NFC", "Re\u0301my", "Rémy"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ToUnicode(tt.in); got != tt.want {
				t.Errorf("ToUnicode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestToUnicodePrecomposed(t *testing.T) {
	// NFC must leave one code point for each accented letter above.
	got := ToUnicode(`Hajdu\v{s}ek`)
	if n := utf8.RuneCountInString(got); n != len("Hajdusek") {
		t.Errorf("ToUnicode gave %d runes (%q), want %d: not composed", n, got, len("Hajdusek"))
	}
}

func FuzzToUnicode(f *testing.F) {
	for _, s := range []string{
		`R\'emy`, `Hajdu\v{s}ek`, `Przemys{\l}aw`, `\"{\i}`, `{\'e}`, `\' e`, `\foo{x}`,
		`\`, `{`, `}`, `\'{`, `\v{}s`, `\u}x`, `{{{{`, "a\xff", `\c\i`, `\'\foo`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := ToUnicode(s)
		if !utf8.ValidString(got) {
			t.Fatalf("ToUnicode(%q) = %q: invalid UTF-8", s, got)
		}
		// Output without TeX syntax left in it must be a fixed point.
		if !strings.ContainsAny(got, `\{}`) {
			if again := ToUnicode(got); again != got {
				t.Fatalf("not idempotent: ToUnicode(%q) = %q, again %q", s, got, again)
			}
		}
		if !strings.ContainsAny(s, `\{}`) && len(s) > 0 && utf8.ValidString(s) && got == "" {
			t.Fatalf("ToUnicode(%q) lost plain text", s)
		}
	})
}
