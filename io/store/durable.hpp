#pragma once
// The steps that make a file durable, each checked: a snapshot is published
// (and the journal behind it truncated) only when every one succeeded. A
// failure throws InternalError naming the path and the step; the caller
// keeps what it had (the old snapshot, the whole journal).

#include <string>

namespace joulegrid::store {

// fsync of the file at `path` (opened read-only), and its close.
void sync_file(const std::string& path);
// fsync of the folder that holds `path`: a created, renamed or removed name
// in it survives a crash only after this.
void sync_folder_of(const std::string& path);
// `tmp`, written and closed, made durable and renamed over `path`; the
// folder synced after. `tmp` is removed when a step before the rename fails.
void replace_file(const std::string& tmp, const std::string& path);
// `bytes` appended at the end of `fd` (opened O_APPEND) and synced
// (fdatasync). On any failure — a full disk (a short write), EIO, a sync
// that fails — the file is cut back to where it ended, so that later
// appends never follow a torn one, and InternalError names `path` and the
// step. The one append of the journal, the sample log and the journal's
// rejected lines.
void append_durably(int fd, const std::string& bytes, const std::string& path);
// close(fd), checked: NFS and some FUSE file systems report a failed write there.
void close_checked(int fd, const std::string& path);

}  // namespace joulegrid::store
