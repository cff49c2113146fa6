// The crash store, crashes/<group>/ (crashes/README.md): reading each group's `finding`
// metadata, and adding a group atomically (built in a hidden temporary directory inside
// crashes/, then renamed into place; a half-written group is never visible under its name).
#ifndef MSIRIG_TOOLS_TRIAGE_STORE_H_
#define MSIRIG_TOOLS_TRIAGE_STORE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace msirig::triage {

struct StoredGroup {
  std::string name;        // the directory name
  std::string target;      // the fuzz target whose replay binary reproduces it
  std::string signature;   // signature.h
  std::string sanitizers;  // "address", "thread" or both, comma-separated
  std::string status;      // "open" or "fixed"
  std::string first_seen;  // the git revision where it was first seen
};

// Parses a `finding` file ("key: value" lines, '#' comments, indented continuation lines).
// On error names the line and what is wrong; `where` prefixes messages (the file's path).
bool ParseFinding(std::string_view text, std::string_view where, StoredGroup* group,
                  std::string* error);

// Every group of the store; directories whose name starts with '.' (temporaries) are skipped.
bool LoadStore(const std::string& crashes_dir, std::vector<StoredGroup>* groups,
               std::string* error);

// A group name: lower-case letters, digits and '_', starting with a letter.
bool IsValidGroupName(std::string_view name);

// The `finding` file for a group; `found` and `cause` are free text (may be empty).
std::string FormatFinding(const StoredGroup& group, std::string_view found, std::string_view cause);

// Creates crashes_dir/<group.name>/ holding `finding` and `files` (name, bytes). Refuses when
// the group exists. Either the whole group appears or, on any error, nothing does.
bool AddGroup(const std::string& crashes_dir, const StoredGroup& group, std::string_view found,
              std::string_view cause, const std::vector<std::pair<std::string, std::string>>& files,
              std::string* error);

// Writes `contents` to `path` atomically (a temporary beside it, fsync, rename).
bool WriteFileAtomically(const std::string& path, std::string_view contents, std::string* error);

bool ReadFile(const std::string& path, std::string* contents);

}  // namespace msirig::triage

#endif  // MSIRIG_TOOLS_TRIAGE_STORE_H_
