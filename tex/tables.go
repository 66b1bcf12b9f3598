package tex

// symbolAccents are the accents named by one punctuation character (\' \"),
// mapped to their Unicode combining marks.
var symbolAccents = map[rune]rune{
	'\'': '\u0301', // acute
	'`':  '\u0300', // grave
	'^':  '\u0302', // circumflex
	'"':  '\u0308', // diaeresis
	'~':  '\u0303', // tilde
	'=':  '\u0304', // macron
	'.':  '\u0307', // dot above
}

// letterAccents are the accents named by a letter (\v{s}, \c c).
var letterAccents = map[string]rune{
	"u": '\u0306', // breve
	"v": '\u030C', // caron
	"H": '\u030B', // double acute
	"c": '\u0327', // cedilla
	"k": '\u0328', // ogonek
	"r": '\u030A', // ring above
	"d": '\u0323', // dot below
	"b": '\u0331', // macron below
}

// letters are the commands that stand for a letter of their own.
var letters = map[string]string{
	"l": "ł", "L": "Ł",
	"o": "ø", "O": "Ø",
	"aa": "å", "AA": "Å",
	"ae": "æ", "AE": "Æ",
	"oe": "œ", "OE": "Œ",
	"ss": "ß", "SS": "SS",
	"i": "ı", "j": "ȷ",
	"dh": "ð", "DH": "Ð",
	"th": "þ", "TH": "Þ",
	"ng": "ŋ", "NG": "Ŋ",
	"dj": "đ", "DJ": "Đ",
}

// accentableLetters are the letter commands an accent can sit on. A dotless
// i or j under an accent is written as i or j so that NFC can compose it
// (\"{\i} is ï).
var accentableLetters = map[string]string{
	"i": "i", "j": "j",
	"l": "ł", "L": "Ł",
	"o": "ø", "O": "Ø",
	"aa": "å", "AA": "Å",
	"ae": "æ", "AE": "Æ",
	"oe": "œ", "OE": "Œ",
}

// controlSymbols are escaped characters and TeX spacing commands.
var controlSymbols = map[rune]string{
	'&':  "&",
	'%':  "%",
	'$':  "$",
	'#':  "#",
	'_':  "_",
	'{':  "{",
	'}':  "}",
	' ':  " ",
	'\\': " ", // a line break in a name list reads as a space
	',':  " ", // thin space
	';':  " ",
	'-':  "", // discretionary hyphen
	'/':  "", // italic correction
	'@':  "",
}

// styleCommands only change the look of their argument: the command is
// dropped and the argument kept.
var styleCommands = map[string]struct{}{
	"textbf": {}, "textit": {}, "textrm": {}, "textsf": {}, "texttt": {},
	"textsc": {}, "textsl": {}, "textup": {}, "textmd": {}, "textnormal": {},
	"emph": {}, "mbox": {}, "text": {}, "mathrm": {},
	"textsuperscript": {}, "textsubscript": {}, "url": {}, "underline": {},
}

// textSymbols are the commands of prose that stand for a symbol or a word
// (Text only; author names keep the older rules).
var textSymbols = map[string]string{
	"ldots": "…", "dots": "…", "textellipsis": "…",
	"textendash": "–", "textemdash": "—",
	"textquoteleft": "‘", "textquoteright": "’",
	"textquotedblleft": "“", "textquotedblright": "”",
	"S": "§", "P": "¶", "dag": "†", "ddag": "‡",
	"copyright": "©", "textcopyright": "©", "textregistered": "®", "texttrademark": "™",
	"textbackslash": `\`, "textasciitilde": "~", "textasciicircum": "^",
	"textbar": "|", "textless": "<", "textgreater": ">", "textbullet": "•",
	"textdegree": "°", "pounds": "£", "euro": "€", "slash": "/",
	"TeX": "TeX", "LaTeX": "LaTeX", "BibTeX": "BibTeX",
}
