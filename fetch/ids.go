package fetch

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// idPattern finds an arXiv identifier (model.IDPattern) with an optional
// version: 2504.16424v2, 0704.0001, cs/9909009v1, math.GT/0309136.
var idPattern = regexp.MustCompile(`(` + model.IDPattern + `)(?:v(\d+))?`)

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
