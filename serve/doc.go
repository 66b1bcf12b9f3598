// Package serve serves an output folder (what render writes: index.html,
// feed.xml and each day's digest) over HTTP, and nothing else in it.
//
// The Handler answers from an allow-list of the paths render writes, opened
// through an os.Root so that no path or symlink reaches outside the folder,
// and serves only regular files: the store's database, its -wal and -shm
// files, the lock, dotfiles and the day's internal files (summary.json,
// entry.html) are never served, wherever they live. Responses carry an ETag
// and Last-Modified and answer conditional requests with 304; pages change
// when a day is run again, so clients revalidate every time (no-cache).
//
// Run serves a Handler on a listener until its context is done, with the
// timeouts a server facing a browser or feed reader needs, and shuts down
// gracefully.
package serve
