#!/usr/bin/env python3
"""Checks the cluster project files against what OSS-Fuzz and ClusterFuzzLite document.

  tests/oss/project_yaml_check.py [--for-submission] [ROOT]

Reads ROOT/infra/oss-fuzz/project.yaml, ROOT/.clusterfuzzlite/project.yaml and the two builder
Dockerfiles, and reports:
  error        a field OSS-Fuzz does not accept, a value outside its documented set, a required
               field missing, or the files disagreeing with each other or with tools/oss-check.sh;
  to fill in   a field that still holds a FILL-IN placeholder (the repository and the contacts,
               which only the maintainers can give). These fail only with --for-submission.
Exit status: 0 clean (placeholders allowed), 1 errors (or placeholders with --for-submission),
2 a file cannot be read. Before the real files it checks planted faults and fails unless each is
reported, so a checker that checks nothing cannot pass.

The schema, from OSS-Fuzz's own sources (google/oss-fuzz):
  docs/getting-started/new_project_guide.md, "project.yaml": the attributes and their meaning;
  libfuzzer is required among fuzzing_engines; sanitizers may be `name` or `name: {experimental: True}`;
  infra/presubmit.py, ProjectYamlChecker: the accepted section names, main_repo required,
  language required and known, e-mail addresses with '@' and '.';
  infra/constants.py: LANGUAGES, SANITIZERS, ARCHITECTURES, ENGINES;
  projects/*/project.yaml of the Ubuntu 24.04 migration (e.g. zlib): base_os_version "ubuntu-24-04",
  and base-images/*/ubuntu-24-04.Dockerfile: the builder tag it selects.
ClusterFuzzLite reads only `language` from .clusterfuzzlite/project.yaml (infra/helper.py,
Project.language); sanitizers and engines are chosen in its CI workflow.
"""

import re
import sys
from pathlib import Path

try:
    import yaml
except ImportError:
    print("project_yaml_check: needs PyYAML: tools/install-deps.sh --oss (python3-yaml)", file=sys.stderr)
    sys.exit(2)

PLACEHOLDER = "FILL-IN"

SECTIONS = {
    "architectures", "auto_ccs", "base_os_version", "blackbox", "builds_per_day",
    "coverage_extra_args", "disabled", "file_github_issue", "fuzzing_engines", "help_url",
    "homepage", "language", "labels", "main_repo", "primary_contact", "run_tests", "sanitizers",
    "selective_unpack", "vendor_ccs", "view_restrictions",
}
REQUIRED = ("homepage", "language", "primary_contact", "main_repo")
LANGUAGES = {"c", "c++", "go", "javascript", "jvm", "python", "rust", "swift", "ruby"}
SANITIZERS = {"address", "none", "memory", "undefined", "thread", "coverage", "introspector",
              "hwaddress"}
ARCHITECTURES = {"i386", "x86_64", "aarch64"}
ENGINES = {"libfuzzer", "afl", "honggfuzz", "centipede", "none"}
BASE_OS_VERSIONS = {"legacy", "ubuntu-20-04", "ubuntu-24-04"}


class Report:
    def __init__(self, name):
        self.name = name
        self.errors = []
        self.to_fill = []

    def error(self, message):
        self.errors.append(f"{self.name}: {message}")

    def fill(self, field, hint):
        self.to_fill.append(f"{self.name}: {field}: to fill in before submission ({hint})")


def is_placeholder(value):
    return isinstance(value, str) and value.startswith(PLACEHOLDER)


def check_email(report, field, value):
    if is_placeholder(value):
        report.fill(field, value[len(PLACEHOLDER):].lstrip(": "))
    elif not isinstance(value, str) or "@" not in value or "." not in value:
        report.error(f"{field}: '{value}' is not an e-mail address")


def check_list(report, data, field, allowed):
    """A list of constants; returns the names listed (a sanitizer may carry options)."""
    values = data.get(field)
    if values is None:
        return []
    if not isinstance(values, list):
        report.error(f"{field}: expected a list, got {type(values).__name__}")
        return []
    names = []
    for value in values:
        if isinstance(value, dict) and field == "sanitizers" and len(value) == 1:
            (name, options), = value.items()
            if not isinstance(options, dict) or set(options) - {"experimental"}:
                report.error(f"{field}: {name}: only `experimental: True` may follow a sanitizer")
            value = name
        if not isinstance(value, str) or value not in allowed:
            report.error(f"{field}: '{value}' is not one of {sorted(allowed)}")
            continue
        names.append(value)
    return names


def check_oss_fuzz(text, report, builder_tag=None, clone_url=None, checked_builds=None):
    """infra/oss-fuzz/project.yaml. Returns the parsed data (or None)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        report.error(f"not YAML: {error}")
        return None
    if not isinstance(data, dict):
        report.error("not a mapping of sections")
        return None
    for name in data:
        if name not in SECTIONS:
            report.error(f"'{name}' is not a section OSS-Fuzz accepts ({sorted(SECTIONS)})")
    for name in REQUIRED:
        if name not in data:
            report.error(f"'{name}' is required")
    if data.get("language") is not None and data["language"] not in LANGUAGES:
        report.error(f"language: '{data['language']}' is not one of {sorted(LANGUAGES)}")

    for field in ("homepage", "main_repo"):
        value = data.get(field)
        if value is None:
            continue
        if is_placeholder(value):
            report.fill(field, value[len(PLACEHOLDER):].lstrip(": "))
        elif not isinstance(value, str) or not re.match(r"^(https?|git)://[^\s/]+\.[^\s/]+/\S*$", value):
            report.error(f"{field}: '{value}' is not an http(s) or git URL")
    if "primary_contact" in data:
        check_email(report, "primary_contact", data["primary_contact"])
    auto_ccs = data.get("auto_ccs") or []
    if not isinstance(auto_ccs, list):
        report.error("auto_ccs: expected a list of e-mail addresses")
        auto_ccs = []
    for value in auto_ccs:
        check_email(report, "auto_ccs", value)

    sanitizers = check_list(report, data, "sanitizers", SANITIZERS)
    engines = check_list(report, data, "fuzzing_engines", ENGINES)
    check_list(report, data, "architectures", ARCHITECTURES)
    if "fuzzing_engines" in data and "libfuzzer" not in engines:
        report.error("fuzzing_engines: libfuzzer is required by OSS-Fuzz")
    if "builds_per_day" in data and data["builds_per_day"] not in (1, 2, 3, 4):
        report.error(f"builds_per_day: '{data['builds_per_day']}': OSS-Fuzz allows 1 to 4")
    base_os = data.get("base_os_version")
    if base_os is not None and base_os not in BASE_OS_VERSIONS:
        report.error(f"base_os_version: '{base_os}' is not one of {sorted(BASE_OS_VERSIONS)}")

    # The files agree: the builder image the Dockerfile starts from is the one base_os_version
    # selects, and the Dockerfile clones main_repo.
    if builder_tag is not None and base_os not in (None, "legacy") and builder_tag != base_os:
        report.error(f"base_os_version '{base_os}' but the Dockerfile builds FROM base-builder:{builder_tag}")
    main_repo = data.get("main_repo")
    if clone_url is not None and clone_url != main_repo and not (
            is_placeholder(clone_url) and is_placeholder(main_repo)):
        report.error(f"the Dockerfile clones '{clone_url}', not main_repo '{main_repo}'")
    # Everything listed is built and checked here (tools/oss-check.sh --all).
    if checked_builds is not None:
        for sanitizer in sanitizers:
            if not any(build.endswith(":" + sanitizer) for build in checked_builds):
                report.error(f"sanitizers: '{sanitizer}' is listed but tools/oss-check.sh --all does not check it")
        for engine in engines:
            if not any(build.startswith(engine + ":") for build in checked_builds):
                report.error(f"fuzzing_engines: '{engine}' is listed but tools/oss-check.sh --all does not check it")
    return data


def check_clusterfuzzlite(text, report):
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        report.error(f"not YAML: {error}")
        return
    if not isinstance(data, dict) or data.get("language") not in LANGUAGES:
        report.error(f"language: expected one of {sorted(LANGUAGES)}")
        return
    for name in data:
        if name not in SECTIONS:
            report.error(f"'{name}' is not a project.yaml section")


def builder_tag_of(dockerfile_text):
    match = re.search(r"^FROM\s+gcr\.io/oss-fuzz-base/base-builder(?::(\S+))?\s*$", dockerfile_text, re.M)
    if not match:
        return ""
    return match.group(1) or "latest"


def clone_url_of(dockerfile_text):
    """The repository infra/oss-fuzz/Dockerfile clones: the default of ARG MSIRIG_MAIN_REPO."""
    match = re.search(r"^ARG\s+MSIRIG_MAIN_REPO=(\S+)\s*$", dockerfile_text, re.M)
    return match.group(1).strip("\"'") if match else None


def checked_builds_of(oss_check_text):
    """ENGINE:SANITIZER builds of `tools/oss-check.sh --all`."""
    match = re.search(r"--all\)\s*builds\+=\(([^)]*)\)", oss_check_text)
    return match.group(1).split() if match else []


def self_test():
    """Planted faults, each of which must be reported."""
    good = ('homepage: "https://example.org/x"\nmain_repo: "https://example.org/x.git"\n'
            'language: c++\nprimary_contact: "a@example.org"\n'
            'fuzzing_engines: [libfuzzer]\nsanitizers: [address]\n')
    cases = {
        "a clean file": (good, 0, 0),
        "an unknown section": (good + "maintainers: [x]\n", 1, 0),
        "main_repo missing": (good.replace('main_repo: "https://example.org/x.git"\n', ""), 1, 0),
        "an unknown sanitizer": (good.replace("[address]", "[address, leak]"), 1, 0),
        "experimental memory": (good.replace("[address]", "[address, {memory: {experimental: True}}]"), 0, 0),
        "no libfuzzer": (good.replace("[libfuzzer]", "[afl]"), 1, 0),
        "a bad e-mail": (good.replace("a@example.org", "maintainers"), 1, 0),
        "an unknown language": (good.replace("c++", "cobol"), 1, 0),
        "a placeholder": (good.replace('"https://example.org/x.git"', '"FILL-IN: the repository"'), 0, 1),
        "a listed sanitizer nobody checks": (good.replace("[address]", "[address, thread]"), 1, 0),
    }
    failures = []
    for what, (text, errors, to_fill) in cases.items():
        report = Report("planted")
        check_oss_fuzz(text, report,
                       checked_builds=["libfuzzer:address", "libfuzzer:memory", "afl:address"])
        if len(report.errors) != errors or len(report.to_fill) != to_fill:
            failures.append(f"{what}: expected {errors} error(s) and {to_fill} placeholder(s), got "
                            f"{report.errors + report.to_fill}")
    report = Report("planted")
    check_oss_fuzz(good.replace("[address]", "[address]\nbase_os_version: ubuntu-24-04"), report,
                   builder_tag="latest", clone_url="https://example.org/other.git")
    if len(report.errors) != 2:
        failures.append(f"disagreeing Dockerfile: expected 2 errors, got {report.errors}")
    return failures


def main(argv):
    args = [arg for arg in argv if not arg.startswith("--")]
    strict = "--for-submission" in argv
    root = Path(args[0] if args else Path(__file__).resolve().parents[2])

    failures = self_test()
    if failures:
        for failure in failures:
            print(f"project_yaml_check: self-test: {failure}", file=sys.stderr)
        print("project_yaml_check: FAIL: the checker misses planted faults", file=sys.stderr)
        return 1

    try:
        oss_yaml = (root / "infra/oss-fuzz/project.yaml").read_text()
        oss_docker = (root / "infra/oss-fuzz/Dockerfile").read_text()
        cfl_yaml = (root / ".clusterfuzzlite/project.yaml").read_text()
        cfl_docker = (root / ".clusterfuzzlite/Dockerfile").read_text()
        oss_check = (root / "tools/oss-check.sh").read_text()
    except OSError as error:
        print(f"project_yaml_check: {error}", file=sys.stderr)
        return 2

    oss = Report("infra/oss-fuzz/project.yaml")
    builds = checked_builds_of(oss_check)
    if not builds:
        oss.error("cannot read the --all builds of tools/oss-check.sh")
    check_oss_fuzz(oss_yaml, oss, builder_tag=builder_tag_of(oss_docker),
                   clone_url=clone_url_of(oss_docker), checked_builds=builds)
    if clone_url_of(oss_docker) is None:
        oss.error("infra/oss-fuzz/Dockerfile has no `ARG MSIRIG_MAIN_REPO=...` to clone")
    cfl = Report(".clusterfuzzlite/project.yaml")
    check_clusterfuzzlite(cfl_yaml, cfl)
    if builder_tag_of(cfl_docker) != builder_tag_of(oss_docker):
        cfl.error(f".clusterfuzzlite/Dockerfile builds FROM base-builder:{builder_tag_of(cfl_docker)}, "
                  f"infra/oss-fuzz/Dockerfile FROM base-builder:{builder_tag_of(oss_docker)}")

    errors = oss.errors + cfl.errors
    to_fill = oss.to_fill + cfl.to_fill
    for line in errors:
        print(f"project_yaml_check: error: {line}", file=sys.stderr)
    for line in to_fill:
        print(f"project_yaml_check: {'error' if strict else 'note'}: {line}",
              file=sys.stderr if strict else sys.stdout)
    if errors or (strict and to_fill):
        return 1
    print(f"project_yaml_check: project files valid ({len(to_fill)} field(s) still to fill in; "
          f"--for-submission fails on them)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
