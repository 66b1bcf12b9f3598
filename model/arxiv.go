package model

import "regexp"

// archive is the grammar of an arXiv archive name: cs, math, quant-ph,
// cond-mat, q-bio (lower-case letters with at most one inner hyphen).
const archive = `[a-z]+(?:-[a-z]+)?`

// categoryRE is an archive alone or with its subject class: two capitals
// (cs.CL, math.AG, astro-ph.CO, q-bio.NC, nlin.CD) or lower-case words as
// in physics and cond-mat (physics.acc-ph, cond-mat.stat-mech, physics.optics).
var categoryRE = regexp.MustCompile(`^` + archive + `(?:\.(?:[A-Z]{2}|[a-z]+(?:-[a-z]+)?))?$`)

// ValidCategory reports whether c is shaped like an arXiv category or
// archive (cs.CL, quant-ph, cond-mat.stat-mech, cs). It is the one rule for
// what the config accepts and what is ever pasted into a feed URL; whether
// arXiv knows the category is for arXiv to say.
func ValidCategory(c string) bool { return categoryRE.MatchString(c) }

// IDPattern is the regular expression of an arXiv identifier without its
// version: new style, four digits, a dot and four or five digits
// (2504.16424, 0704.0001); old style, an archive, perhaps a subject class,
// a slash and seven digits (cs/9909009, math.GT/0309136, hep-th/9901001).
// It has no anchors and no capturing groups: fetch builds its search for
// ids in text (with a version) from it.
const IDPattern = `(?:\d{4}\.\d{4,5}|` + archive + `(?:\.[A-Z]{2})?/\d{7})`

// maxIDLen bounds an id whatever the pattern allows: real ones are at most
// about 20 characters long.
const maxIDLen = 40

var idRE = regexp.MustCompile(`^` + IDPattern + `$`)

// ValidID reports whether id is an arXiv identifier without its version.
// Links are only ever built from an id that passes.
func ValidID(id string) bool { return len(id) <= maxIDLen && idRE.MatchString(id) }
