// The crash store (see store.h).
#include "store.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace msirig::triage {

namespace fs = std::filesystem;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

bool WriteAndSync(const std::string& path, std::string_view contents, std::string* error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *error = path + ": cannot write: " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = path + ": cannot sync: " + std::strerror(errno);
    return false;
  }
  return true;
}

void SyncDirectory(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

bool ReadFile(const std::string& path, std::string* contents) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  contents->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

bool ParseFinding(std::string_view text, std::string_view where, StoredGroup* group,
                  std::string* error) {
  *group = StoredGroup{};
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++line_number;
    const std::string_view trimmed = Trim(line);
    if (trimmed.empty() || trimmed.front() == '#') continue;
    if (line.front() == ' ' || line.front() == '\t') continue;  // continuation of free text
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      *error = std::string(where) + ":" + std::to_string(line_number) +
               ": expected `key: value`, got '" + std::string(trimmed) + "'";
      return false;
    }
    const std::string_view key = Trim(line.substr(0, colon));
    const std::string value(Trim(line.substr(colon + 1)));
    if (key == "target") group->target = value;
    if (key == "signature") group->signature = value;
    if (key == "sanitizers") group->sanitizers = value;
    if (key == "status") group->status = value;
    if (key == "first_seen") group->first_seen = value;
  }
  const std::pair<const char*, const std::string*> required[] = {
      {"target", &group->target},
      {"signature", &group->signature},
      {"sanitizers", &group->sanitizers},
      {"status", &group->status},
      {"first_seen", &group->first_seen}};
  for (const auto& [key, value] : required) {
    if (value->empty()) {
      *error = std::string(where) + ": no `" + key + ":` line (crashes/README.md)";
      return false;
    }
  }
  if (group->status != "open" && group->status != "fixed") {
    *error = std::string(where) + ": status '" + group->status + "': expected open or fixed";
    return false;
  }
  return true;
}

bool LoadStore(const std::string& crashes_dir, std::vector<StoredGroup>* groups,
               std::string* error) {
  groups->clear();
  std::error_code ec;
  std::vector<fs::path> dirs;
  for (const auto& entry : fs::directory_iterator(crashes_dir, ec)) {
    if (entry.is_directory() && entry.path().filename().string().front() != '.')
      dirs.push_back(entry.path());
  }
  if (ec) {
    *error = crashes_dir + ": cannot list: " + ec.message();
    return false;
  }
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& dir : dirs) {
    const std::string path = (dir / "finding").string();
    std::string text;
    if (!ReadFile(path, &text)) {
      *error = path + ": cannot read (every group needs one; crashes/README.md)";
      return false;
    }
    StoredGroup group;
    if (!ParseFinding(text, path, &group, error)) return false;
    group.name = dir.filename().string();
    groups->push_back(group);
  }
  return true;
}

bool IsValidGroupName(std::string_view name) {
  if (name.empty() || name.size() > 100 || !(name[0] >= 'a' && name[0] <= 'z')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string FormatFinding(const StoredGroup& group, std::string_view found,
                          std::string_view cause) {
  std::string out = "# A finding group (crashes/README.md).\n";
  out += "target: " + group.target + "\n";
  out += "signature: " + group.signature + "\n";
  out += "sanitizers: " + group.sanitizers + "\n";
  out += "status: " + group.status + "\n";
  out += "first_seen: " + group.first_seen + "\n";
  auto free_text = [&](std::string_view key, std::string_view value) {
    if (value.empty()) return;
    out += std::string(key) + ": ";
    for (char c : value) out += c == '\n' ? std::string("\n  ") : std::string(1, c);
    out += "\n";
  };
  free_text("found", found);
  free_text("cause", cause);
  return out;
}

bool AddGroup(const std::string& crashes_dir, const StoredGroup& group, std::string_view found,
              std::string_view cause, const std::vector<std::pair<std::string, std::string>>& files,
              std::string* error) {
  if (!IsValidGroupName(group.name)) {
    *error = "group name '" + group.name + "': use lower-case letters, digits and _";
    return false;
  }
  for (const auto& [name, bytes] : files) {
    if (name.empty() || name == "finding" || name.front() == '.' ||
        name.find('/') != std::string::npos) {
      *error = "reproducer name '" + name + "' cannot go into a group";
      return false;
    }
  }
  const std::string final_dir = crashes_dir + "/" + group.name;
  std::error_code ec;
  if (fs::exists(final_dir, ec)) {
    *error = final_dir + ": the group exists already (pick another name, or edit it by hand)";
    return false;
  }
  const std::string temp = crashes_dir + "/.tmp-" + group.name + "-" + std::to_string(::getpid());
  fs::remove_all(temp, ec);
  if (!fs::create_directory(temp, ec)) {
    *error = temp + ": cannot create: " + (ec ? ec.message() : "exists");
    return false;
  }
  bool ok = WriteAndSync(temp + "/finding", FormatFinding(group, found, cause), error);
  for (const auto& [name, bytes] : files) {
    if (ok) ok = WriteAndSync(temp + "/" + name, bytes, error);
  }
  if (ok) {
    SyncDirectory(temp);
    // RENAME_NOREPLACE: never replaces a group that appeared meanwhile (an empty directory
    // would otherwise be replaced silently by rename(2)).
    if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, final_dir.c_str(), RENAME_NOREPLACE) != 0) {
      *error = final_dir + ": cannot move the new group into place: " + std::strerror(errno);
      ok = false;
    }
  }
  if (!ok) {
    fs::remove_all(temp, ec);
    return false;
  }
  SyncDirectory(crashes_dir);
  return true;
}

bool WriteFileAtomically(const std::string& path, std::string_view contents, std::string* error) {
  const std::string temp = path + ".tmp-" + std::to_string(::getpid());
  ::unlink(temp.c_str());
  if (!WriteAndSync(temp, contents, error)) {
    ::unlink(temp.c_str());
    return false;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    *error = path + ": cannot rename into place: " + std::strerror(errno);
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

}  // namespace msirig::triage
