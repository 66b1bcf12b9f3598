package fetch

import (
	"maps"
	"slices"
	"testing"

	"github.com/arxiv-digest/arxiv-digest/model"
)

func TestDayKeep(t *testing.T) {
	// Papers of quant-ph on 2025-04-28 (testdata/arxiv), of each type, and
	// one of a type arXiv might add.
	day := &Day{Papers: []model.Paper{
		{ID: "2504.17830", AnnounceType: model.New},
		{ID: "2504.16299", AnnounceType: model.Cross},
		{ID: "2504.17837", AnnounceType: model.New},
		{ID: "2112.14988", AnnounceType: model.Replace},
		{ID: "2312.01259", AnnounceType: model.ReplaceCross},
		{ID: "2504.99999", AnnounceType: "withdrawn"},
	}}
	all := map[model.AnnounceType]int{model.New: 2, model.Cross: 1, model.Replace: 1, model.ReplaceCross: 1, "withdrawn": 1}
	for _, tt := range []struct {
		name      string
		day       *Day
		types     []model.AnnounceType
		want      []string
		announced map[model.AnnounceType]int
	}{
		{"the default, new and cross", day, []model.AnnounceType{model.New, model.Cross}, []string{"2504.17830", "2504.16299", "2504.17837"}, all},
		{"every known type; the unknown one is counted, not kept", day, model.AnnounceTypes,
			[]string{"2504.17830", "2504.16299", "2504.17837", "2112.14988", "2312.01259"}, all},
		{"order is the feed's, not the list's", day, []model.AnnounceType{model.ReplaceCross, model.New}, []string{"2504.17830", "2504.17837", "2312.01259"}, all},
		{"nothing kept is an empty list, not nil", day, []model.AnnounceType{}, []string{}, all},
		{"an empty day", &Day{}, model.AnnounceTypes, []string{}, map[model.AnnounceType]int{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			papers, announced := tt.day.Keep(tt.types)
			if papers == nil {
				t.Error("papers is nil")
			}
			ids := []string{}
			for _, p := range papers {
				ids = append(ids, p.ID)
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("kept %v, want %v", ids, tt.want)
			}
			if !maps.Equal(announced, tt.announced) {
				t.Errorf("announced %v, want %v", announced, tt.announced)
			}
		})
	}
}
