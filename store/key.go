package store

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/arxiv-digest/arxiv-digest/model"
)

// Key is the cache key of one judgement: a hex SHA-256 over everything that
// determines it, separated by NUL bytes: the paper's ID, title and abstract,
// the topic's name and description, the model and the prompt version.
//
// The paper's version is not part of it: a v2 whose text did not change is
// not paid for again, while a changed title or abstract is. Runs of white
// space in the title and abstract are collapsed first (model.NormalizeSpace),
// since a feed re-wrapping lines does not change what the model is asked.
// Text from XML feeds cannot hold NUL, so the separator is unambiguous.
func Key(p model.Paper, t model.Topic, llmModel, promptVersion string) string {
	h := sha256.New()
	for i, field := range []string{
		p.ID,
		model.NormalizeSpace(p.Title),
		model.NormalizeSpace(p.Abstract),
		t.Name,
		t.Description,
		llmModel,
		promptVersion,
	} {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(field))
	}
	return hex.EncodeToString(h.Sum(nil))
}
