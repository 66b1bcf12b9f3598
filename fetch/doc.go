// Package fetch reads arXiv's daily announcements.
//
// Latest reads today's RSS feed (rss.arxiv.org/rss/cat1+cat2, one request
// for every category) and turns its items into model.Papers: ids and
// versions from the guid, the abstract from the description, authors from
// dc:creator with their TeX decoded, and arXiv's own announce type. A feed
// with an item that carries no announce type (arXiv's RSS 1.0 format from
// before 2024 has none) is rejected rather than read as papers no filter
// keeps. LatestIf is Latest as a conditional GET: it sends the ETag and
// Last-Modified a previous Day recorded in its Validators, and a 304
// answer is an error wrapping ErrNotModified.
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
// appear only as far as the API's submittedDate search lists them. Paging
// stops at MaxAPIResults results or when a page adds no new paper, since
// the API has been seen claiming 161,487 results and repeating one page.
//
// arXiv's calendar lives here too: LatestAnnouncement is the newest
// announcement arXiv should have made by a given time, CheckDate checks a
// date asked for, and AnnouncementWindow is the submission window of a day.
//
// Both paths retry 503 and 429 answers after their Retry-After (capped),
// retry network errors a couple of times, cap response bodies, and report
// failures as typed errors: *HTTPError for other HTTP statuses, *QueryError
// when arXiv rejects the categories, errors wrapping ErrInvalidFeed for
// documents that are not a usable feed, and ErrNotModified for a 304.
package fetch
