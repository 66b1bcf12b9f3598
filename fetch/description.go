package fetch

import (
	"regexp"
	"strings"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// descInfo is what an RSS item's description says:
//
//	arXiv:2504.16424v2 Announce Type: replace-cross
//	Abstract: We ...
type descInfo struct {
	ID           string // without version; "" when the header has none
	Version      int    // 0 when unknown
	AnnounceType string // "" when absent
	Abstract     string // whitespace normalised
}

var (
	descIDPattern       = regexp.MustCompile(`^\s*arXiv:(\S+)`)
	descAnnouncePattern = regexp.MustCompile(`Announce Type:\s*([A-Za-z-]+)`)
)

// parseDescription splits an RSS item's description into its header fields
// and the abstract. Without an "Abstract:" marker, the abstract is what
// follows the header (or the whole text when there is no header).
func parseDescription(desc string) descInfo {
	var info descInfo
	header, abstract, found := strings.Cut(desc, "Abstract:")
	if !found {
		header, abstract = "", desc
		if m := descAnnouncePattern.FindStringIndex(desc); m != nil && descIDPattern.MatchString(desc) {
			header, abstract = desc[:m[1]], desc[m[1]:]
		}
	}
	if m := descIDPattern.FindStringSubmatch(header); m != nil {
		if id, v, ok := parseID(m[1]); ok && strings.HasPrefix(m[1], id) {
			info.ID, info.Version = id, v
		}
	}
	if m := descAnnouncePattern.FindStringSubmatch(header); m != nil {
		info.AnnounceType = strings.ToLower(m[1])
	}
	info.Abstract = model.NormalizeSpace(abstract)
	return info
}
