package classify

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// TestRelevanceInstructionsPinned: the instructions are part of every
// stored judgement's meaning; a change to them (the scale in model
// included) must come with a new RelevanceVersion and a new pin here.
func TestRelevanceInstructionsPinned(t *testing.T) {
	pins := map[string]string{
		"1": "8cbb07d80225dee7a12aba288203eef7f394cc100bcd87270a05b7114daff1a4",
	}
	sum := sha256.Sum256([]byte(relevanceInstructions))
	if got := hex.EncodeToString(sum[:]); got != pins[RelevanceVersion] {
		t.Errorf("the relevance instructions changed (sha256 %s) but RelevanceVersion is still %q: bump it and pin the new text", got, RelevanceVersion)
	}
	for _, m := range model.RelevanceScale {
		if !strings.Contains(relevanceInstructions, "  "+m.Scores+" = "+m.Meaning) {
			t.Errorf("the instructions do not state the scale mark %q", m.Scores)
		}
	}
}
