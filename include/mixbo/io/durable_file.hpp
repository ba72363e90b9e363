#pragma once
// Files replaced whole and crash-safely, the one way mixbo writes a file it may write again
// (campaign archive, result files, params.ini, job scripts, executor requests, bench output):
// the new content goes to a temporary file in the same folder (".<name>.tmp.<pid>"), written by
// checked write(2)s and fsynced, then renamed over the file, and the folder is fsynced so that
// the new name survives a crash. A kill -9 at any instant leaves the old or the new file, both
// complete. A failed write (disk full, quota) throws Error naming the file and errno, removes
// the temporary file and leaves the old file as it was.
#include <filesystem>
#include <functional>
#include <string_view>

namespace mixbo {

// Replaces `file` by what `write` writes to the temporary path it is given (e.g. an HDF5 file
// through h5::write_file). The folder must exist.
void replace_file(const std::filesystem::path& file,
                  const std::function<void(const std::filesystem::path& tmp)>& write);
// Replaces `file` by `text` (mode 0644).
void write_text_atomic(const std::filesystem::path& file, std::string_view text);

// Writes `bytes` to `path` (created or truncated, mode 0644) and fsyncs it; no rename.
void write_bytes(const std::filesystem::path& path, std::string_view bytes);
// fsync of a file or folder by path.
void fsync_path(const std::filesystem::path& path);
// rename(2) after an fsync of `from`, then an fsync of the folder.
void durable_rename(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace mixbo
