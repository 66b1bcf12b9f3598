// Package fetch reads arXiv's daily announcements.
//
// Latest reads today's RSS feed (rss.arxiv.org/rss/cat1+cat2, one request
// for every category) and turns its items into model.Papers: ids and
// versions from the guid, the abstract from the description, authors from
// dc:creator with their TeX decoded, and arXiv's own announce type.
//
// Day rebuilds a past announcement day from the arXiv API
// (export.arxiv.org/api/query). The API knows submission dates, not
// announcement dates, so this is an approximation: the papers submitted
// between the two announcement deadlines before the day (14:00 US Eastern
// on the previous weekdays, see AnnouncementWindow) whose categories match.
// A paper whose primary category is one of the requested ones is "new",
// otherwise "cross"; a paper whose listed updated date differs from its
// published date (a later version) is "replace" or "replace-cross". The API
// cannot tell which papers the RSS feed really announced on that day:
// holidays shift deadlines, moderation holds papers back, and replacements
// appear only as far as the API's submittedDate search lists them.
//
// Both paths retry 503 and 429 answers after their Retry-After (capped),
// retry network errors a couple of times, cap response bodies, and report
// failures as typed errors: *HTTPError for other HTTP statuses, *QueryError
// when arXiv rejects the categories, and errors wrapping ErrInvalidFeed for
// documents that are not a feed.
package fetch
