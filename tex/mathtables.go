package tex

// The commands of the math subset. A command in no table here (and not
// handled by name in math.go) is outside the subset.

var greek = map[string]rune{
	"alpha": 'α', "beta": 'β', "gamma": 'γ', "delta": 'δ', "epsilon": 'ϵ', "varepsilon": 'ε',
	"zeta": 'ζ', "eta": 'η', "theta": 'θ', "vartheta": 'ϑ', "iota": 'ι', "kappa": 'κ',
	"varkappa": 'ϰ', "lambda": 'λ', "mu": 'μ', "nu": 'ν', "xi": 'ξ', "omicron": 'ο',
	"pi": 'π', "varpi": 'ϖ', "rho": 'ρ', "varrho": 'ϱ', "sigma": 'σ', "varsigma": 'ς',
	"tau": 'τ', "upsilon": 'υ', "phi": 'ϕ', "varphi": 'φ', "chi": 'χ', "psi": 'ψ',
	"omega": 'ω', "digamma": 'ϝ',
	"Gamma": 'Γ', "Delta": 'Δ', "Theta": 'Θ', "Lambda": 'Λ', "Xi": 'Ξ', "Pi": 'Π',
	"Sigma": 'Σ', "Upsilon": 'Υ', "Phi": 'Φ', "Psi": 'Ψ', "Omega": 'Ω',
}

type mathSymbol struct {
	kind kind
	text string
}

func mo(s string) mathSymbol { return mathSymbol{kOp, s} }
func mi(s string) mathSymbol { return mathSymbol{kIdent, s} }

var mathSymbols = map[string]mathSymbol{
	// Binary operators.
	"pm": mo("±"), "mp": mo("∓"), "times": mo("×"), "div": mo("÷"), "cdot": mo("⋅"),
	"ast": mo("∗"), "star": mo("⋆"), "circ": mo("∘"), "bullet": mo("∙"), "oplus": mo("⊕"),
	"ominus": mo("⊖"), "otimes": mo("⊗"), "oslash": mo("⊘"), "odot": mo("⊙"),
	"cup": mo("∪"), "cap": mo("∩"), "sqcup": mo("⊔"), "sqcap": mo("⊓"), "uplus": mo("⊎"),
	"setminus": mo("∖"), "wedge": mo("∧"), "land": mo("∧"), "vee": mo("∨"), "lor": mo("∨"),
	"wr": mo("≀"), "diamond": mo("⋄"), "triangleleft": mo("◁"), "triangleright": mo("▷"),
	"dagger": mo("†"), "ddagger": mo("‡"), "amalg": mo("⨿"),
	// Relations.
	"leq": mo("≤"), "le": mo("≤"), "geq": mo("≥"), "ge": mo("≥"), "neq": mo("≠"), "ne": mo("≠"),
	"leqslant": mo("⩽"), "geqslant": mo("⩾"), "ll": mo("≪"), "gg": mo("≫"),
	"lesssim": mo("≲"), "gtrsim": mo("≳"), "approx": mo("≈"), "sim": mo("∼"), "simeq": mo("≃"),
	"cong": mo("≅"), "equiv": mo("≡"), "propto": mo("∝"), "doteq": mo("≐"), "asymp": mo("≍"),
	"in": mo("∈"), "ni": mo("∋"), "notin": mo("∉"), "subset": mo("⊂"), "supset": mo("⊃"),
	"subseteq": mo("⊆"), "supseteq": mo("⊇"), "subsetneq": mo("⊊"), "supsetneq": mo("⊋"),
	"sqsubseteq": mo("⊑"), "sqsupseteq": mo("⊒"),
	"prec": mo("≺"), "succ": mo("≻"), "preceq": mo("⪯"), "succeq": mo("⪰"),
	"mid": mo("∣"), "nmid": mo("∤"), "parallel": mo("∥"), "perp": mo("⊥"),
	"vdash": mo("⊢"), "dashv": mo("⊣"), "models": mo("⊨"), "vDash": mo("⊨"),
	"coloneqq": mo("≔"), "triangleq": mo("≜"),
	// Arrows.
	"to": mo("→"), "rightarrow": mo("→"), "leftarrow": mo("←"), "gets": mo("←"),
	"leftrightarrow": mo("↔"), "Rightarrow": mo("⇒"), "Leftarrow": mo("⇐"),
	"Leftrightarrow": mo("⇔"), "implies": mo("⟹"), "impliedby": mo("⟸"), "iff": mo("⟺"),
	"longrightarrow": mo("⟶"), "longleftarrow": mo("⟵"), "longleftrightarrow": mo("⟷"),
	"Longrightarrow": mo("⟹"), "Longleftarrow": mo("⟸"), "Longleftrightarrow": mo("⟺"),
	"mapsto": mo("↦"), "longmapsto": mo("⟼"), "hookrightarrow": mo("↪"), "hookleftarrow": mo("↩"),
	"uparrow": mo("↑"), "downarrow": mo("↓"), "updownarrow": mo("↕"),
	"Uparrow": mo("⇑"), "Downarrow": mo("⇓"), "nearrow": mo("↗"), "searrow": mo("↘"),
	"rightleftharpoons": mo("⇌"), "leftrightarrows": mo("⇆"),
	// Large operators.
	"sum": mo("∑"), "prod": mo("∏"), "coprod": mo("∐"), "int": mo("∫"), "iint": mo("∬"),
	"iiint": mo("∭"), "oint": mo("∮"), "bigcup": mo("⋃"), "bigcap": mo("⋂"),
	"bigoplus": mo("⨁"), "bigotimes": mo("⨂"), "bigodot": mo("⨀"), "bigsqcup": mo("⨆"),
	"biguplus": mo("⨄"), "bigwedge": mo("⋀"), "bigvee": mo("⋁"),
	// Punctuation, dots, escaped characters, delimiters used alone.
	"ldots": mo("…"), "dots": mo("…"), "dotsc": mo("…"), "dotsb": mo("⋯"), "cdots": mo("⋯"),
	"vdots": mo("⋮"), "ddots": mo("⋱"), "colon": mo(":"),
	"{": mo("{"), "}": mo("}"), "|": mo("‖"), "%": mo("%"), "&": mo("&"), "#": mo("#"),
	"$": mo("$"), "_": mo("_"),
	"lbrace": mo("{"), "rbrace": mo("}"), "langle": mo("⟨"), "rangle": mo("⟩"),
	"lvert": mo("|"), "rvert": mo("|"), "vert": mo("|"), "lVert": mo("‖"), "rVert": mo("‖"),
	"Vert": mo("‖"), "lfloor": mo("⌊"), "rfloor": mo("⌋"), "lceil": mo("⌈"), "rceil": mo("⌉"),
	"backslash": mo("∖"), "bmod": mo("mod"), "mod": mo("mod"),
	// Symbols that are ordinary identifiers.
	"infty": mi("∞"), "partial": mi("∂"), "nabla": mi("∇"), "hbar": mi("ℏ"), "hslash": mi("ℏ"),
	"ell": mi("ℓ"), "emptyset": mi("∅"), "varnothing": mi("∅"), "aleph": mi("ℵ"),
	"beth": mi("ℶ"), "Re": mi("ℜ"), "Im": mi("ℑ"), "wp": mi("℘"), "forall": mi("∀"),
	"exists": mi("∃"), "nexists": mi("∄"), "neg": mi("¬"), "lnot": mi("¬"), "top": mi("⊤"),
	"bot": mi("⊥"), "angle": mi("∠"), "triangle": mi("△"), "Box": mi("□"), "square": mi("□"),
	"prime": mi("′"), "imath": mi("ı"), "jmath": mi("ȷ"), "checkmark": mi("✓"),
	"flat": mi("♭"), "natural": mi("♮"), "sharp": mi("♯"), "complement": mi("∁"),
	"degree": mi("°"), "dag": mi("†"), "S": mi("§"),
}

// mathFunctions are written upright, as one identifier (log, sin).
var mathFunctions = map[string]bool{
	"log": true, "ln": true, "lg": true, "exp": true, "sin": true, "cos": true, "tan": true,
	"sec": true, "csc": true, "cot": true, "sinh": true, "cosh": true, "tanh": true,
	"coth": true, "arcsin": true, "arccos": true, "arctan": true, "arg": true, "deg": true,
	"det": true, "dim": true, "gcd": true, "hom": true, "ker": true, "lim": true,
	"liminf": true, "limsup": true, "max": true, "min": true, "sup": true, "inf": true,
	"Pr": true, "tr": true, "Tr": true, "rank": true, "sgn": true, "poly": true, "polylog": true,
}

type mathSpace struct {
	width string // the MathML width; "" writes nothing
	text  string // for Plain
}

// mathSpaces are the spacing commands. Their widths are the only attribute
// values of <mspace> that HTML writes.
var mathSpaces = map[string]mathSpace{
	",": {"0.1667em", "\u2009"}, "thinspace": {"0.1667em", "\u2009"},
	":": {"0.2222em", " "}, ">": {"0.2222em", " "}, "medspace": {"0.2222em", " "},
	";": {"0.2778em", " "}, "thickspace": {"0.2778em", " "},
	" ": {"0.25em", " "}, "enspace": {"0.5em", " "},
	"quad": {"1em", "\u2003"}, "qquad": {"2em", "\u2003\u2003"},
	"!": {"", ""}, "negthinspace": {"", ""}, "negmedspace": {"", ""}, "negthickspace": {"", ""},
}

type mathAccent struct {
	text  string // the accent as MathML draws it over (or under) the base
	mark  rune   // the combining mark Plain writes after the base
	under bool
}

var mathAccents = map[string]mathAccent{
	"hat": {"^", '\u0302', false}, "widehat": {"^", '\u0302', false},
	"check": {"ˇ", '\u030C', false}, "tilde": {"~", '\u0303', false},
	"widetilde": {"~", '\u0303', false}, "acute": {"´", '\u0301', false},
	"grave": {"`", '\u0300', false}, "dot": {"˙", '\u0307', false},
	"ddot": {"¨", '\u0308', false}, "breve": {"˘", '\u0306', false},
	"bar": {"¯", '\u0304', false}, "overline": {"‾", '\u0305', false},
	"vec": {"→", '\u20D7', false}, "overrightarrow": {"→", '\u20D7', false},
	"mathring":  {"˚", '\u030A', false},
	"underline": {"_", '\u0332', true},
}

// mathDelims are the delimiters written as commands after \left, \right,
// \middle and \big.
var mathDelims = map[string]string{
	"{": "{", "}": "}", "|": "‖", "lbrace": "{", "rbrace": "}",
	"langle": "⟨", "rangle": "⟩", "lvert": "|", "rvert": "|", "vert": "|",
	"lVert": "‖", "rVert": "‖", "Vert": "‖", "lfloor": "⌊", "rfloor": "⌋",
	"lceil": "⌈", "rceil": "⌉", "backslash": "∖",
}

var bigSizes = map[string]struct{}{
	"big": {}, "Big": {}, "bigg": {}, "Bigg": {},
	"bigl": {}, "Bigl": {}, "biggl": {}, "Biggl": {},
	"bigr": {}, "Bigr": {}, "biggr": {}, "Biggr": {},
	"bigm": {}, "Bigm": {}, "biggm": {}, "Biggm": {},
}

// alphabet is one of the Unicode mathematical alphabets (\mathcal is
// script, \mathbb double-struck). MathML Core ignores mathvariant values
// other than "normal", so the letters themselves are written.
type alphabet struct {
	upper, lower, digit rune          // the first capital, small letter and digit; 0 if none
	holes               map[rune]rune // letters Unicode encoded earlier, in Letterlike Symbols
	upright             bool          // \mathrm: no alphabet of its own, upright letters
}

func (a alphabet) letter(r rune) rune {
	if h, ok := a.holes[r]; ok {
		return h
	}
	switch {
	case r >= 'A' && r <= 'Z' && a.upper != 0:
		return a.upper + r - 'A'
	case r >= 'a' && r <= 'z' && a.lower != 0:
		return a.lower + r - 'a'
	case r >= '0' && r <= '9' && a.digit != 0:
		return a.digit + r - '0'
	}
	return r
}

var (
	scriptAlphabet = alphabet{upper: 0x1D49C, lower: 0x1D4B6, holes: map[rune]rune{
		'B': 'ℬ', 'E': 'ℰ', 'F': 'ℱ', 'H': 'ℋ', 'I': 'ℐ', 'L': 'ℒ', 'M': 'ℳ', 'R': 'ℛ',
		'e': 'ℯ', 'g': 'ℊ', 'o': 'ℴ'}}
	boldAlphabet       = alphabet{upper: 0x1D400, lower: 0x1D41A, digit: 0x1D7CE}
	boldItalicAlphabet = alphabet{upper: 0x1D468, lower: 0x1D482, digit: 0x1D7CE}
	italicAlphabet     = alphabet{upper: 0x1D434, lower: 0x1D44E, holes: map[rune]rune{'h': 'ℎ'}}
)

var alphabets = map[string]alphabet{
	"mathcal": scriptAlphabet, "mathscr": scriptAlphabet,
	"mathbb": {upper: 0x1D538, lower: 0x1D552, digit: 0x1D7D8, holes: map[rune]rune{
		'C': 'ℂ', 'H': 'ℍ', 'N': 'ℕ', 'P': 'ℙ', 'Q': 'ℚ', 'R': 'ℝ', 'Z': 'ℤ'}},
	"mathfrak": {upper: 0x1D504, lower: 0x1D51E, holes: map[rune]rune{
		'C': 'ℭ', 'H': 'ℌ', 'I': 'ℑ', 'R': 'ℜ', 'Z': 'ℨ'}},
	"mathbf":     boldAlphabet,
	"boldsymbol": boldItalicAlphabet, "bm": boldItalicAlphabet,
	"mathsf":     {upper: 0x1D5A0, lower: 0x1D5BA, digit: 0x1D7E2},
	"mathtt":     {upper: 0x1D670, lower: 0x1D68A, digit: 0x1D7F6},
	"mathit":     italicAlphabet,
	"mathrm":     {upright: true},
	"mathup":     {upright: true},
	"mathnormal": {},
}
