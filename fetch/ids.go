package fetch

import (
	"regexp"
	"strconv"
	"strings"
)

// idPattern matches an arXiv identifier with an optional version: new-style
// 2504.16424v2 (and 0704.0001), old-style cs/9909009v1, math.GT/0309136,
// hep-th/9901001.
var idPattern = regexp.MustCompile(`(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z]{2})?/\d{7})(?:v(\d+))?`)

// parseID finds the first arXiv id in s and returns it without its version,
// and the version (0 when s gives none).
func parseID(s string) (id string, version int, ok bool) {
	m := idPattern.FindStringSubmatch(s)
	if m == nil {
		return "", 0, false
	}
	if m[2] != "" {
		if v, err := strconv.Atoi(m[2]); err == nil && v > 0 {
			version = v
		}
	}
	return m[1], version, true
}

// parseGUID reads the id and version from an RSS guid such as
// "oai:arXiv.org:2504.16424v2" or an Atom id such as
// "http://arxiv.org/abs/cs/9909009v1".
func parseGUID(guid string) (id string, version int, ok bool) {
	rest, found := strings.CutPrefix(guid, "oai:arXiv.org:")
	if !found {
		i := strings.Index(guid, "/abs/")
		if i < 0 {
			return "", 0, false
		}
		rest = guid[i+len("/abs/"):]
	}
	id, version, ok = parseID(rest)
	if !ok || !strings.HasPrefix(rest, id) {
		return "", 0, false
	}
	return id, version, true
}
