package model

import "strings"

// DefaultMaxPerTopic is how many papers a topic shows before the rest
// are folded, unless output.max_per_topic says otherwise.
const DefaultMaxPerTopic = 20

// ScaleMark is one point of the relevance scale: the scores it covers, as
// the prompt writes them ("0.9 to 1.0"), and what they mean.
type ScaleMark struct {
	Scores  string
	Meaning string
}

// RelevanceScale is how relevance is calibrated, highest first: the model is
// told it in its instructions (classify) and the reader in the page's
// legend (render), from this one list, so the two cannot disagree. Changing
// a word changes the prompt, so it needs a new classify.RelevanceVersion.
var RelevanceScale = []ScaleMark{
	{Scores: "0.9 to 1.0", Meaning: "the topic is a central contribution of the paper"},
	{Scores: "about 0.7", Meaning: "the paper contributes substantially to the topic"},
	{Scores: "about 0.4", Meaning: "the paper touches the topic only tangentially"},
	{Scores: "below 0.2", Meaning: "unrelated"},
}

// RelevanceScaleText is the scale as the prompt states it: one line per
// mark, "<indent>0.9 to 1.0 = the topic is …;", the last ending in a full
// stop.
func RelevanceScaleText(indent string) string {
	var b strings.Builder
	for i, m := range RelevanceScale {
		b.WriteString(indent)
		b.WriteString(m.Scores)
		b.WriteString(" = ")
		b.WriteString(m.Meaning)
		if i == len(RelevanceScale)-1 {
			b.WriteString(".\n")
		} else {
			b.WriteString(";\n")
		}
	}
	return b.String()
}
