// Package testfeed makes arXiv feed documents for tests and benchmarks,
// where a real day (testdata/arxiv) is too small or too fixed.
package testfeed

import (
	"fmt"
	"strings"
)

// Synthetic is an arXiv RSS day (2025-04-28, cs.CL) of n papers shaped
// like the real ones: 1,200-character abstracts, several authors with TeX
// accents, math in titles, two categories, all announce type new.
func Synthetic(n int) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version='1.0' encoding='UTF-8'?>
<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0">
<channel><title>cs updates on arXiv.org</title><link>http://rss.arxiv.org/rss/cs</link><description>cs updates</description>
<pubDate>Mon, 28 Apr 2025 00:00:00 -0400</pubDate><skipDays><day>Saturday</day><day>Sunday</day></skipDays>
`)
	abstract := strings.Repeat("We study how large language models hallucinate under distribution shift, and propose a retrieval-augmented decoding method with $O(n \\log n)$ cost. ", 8)
	for i := range n {
		id := fmt.Sprintf("2504.%05d", 10000+i)
		fmt.Fprintf(&b, `<item><title>Paper %d on calibrated decoding for $A_n$ models</title><link>https://arxiv.org/abs/%s</link>
<description>arXiv:%sv1 Announce Type: new 
Abstract: %s</description><guid isPermaLink="false">oai:arXiv.org:%sv1</guid>
<category>cs.CL</category><category>cs.LG</category><pubDate>Mon, 28 Apr 2025 00:00:00 -0400</pubDate>
<arxiv:announce_type>new</arxiv:announce_type><dc:creator>Ana Garc\'ia, J\"org M\"uller, Przemys{\l}aw Nowak, Li Wei, Sam Smith</dc:creator></item>
`, i, id, id, abstract, id)
	}
	b.WriteString("</channel></rss>\n")
	return []byte(b.String())
}
