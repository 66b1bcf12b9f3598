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
