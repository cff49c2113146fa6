// EscapeXml: text made safe for XML 1.0 element content and quoted attributes, which is also
// safe HTML. One copy for the tools that write XHTML and SVG (show's chart, triage's report).
#ifndef MSIRIG_TOOLS_COMMON_XML_ESCAPE_H_
#define MSIRIG_TOOLS_COMMON_XML_ESCAPE_H_

#include <string>
#include <string_view>

namespace msirig::tools {

inline std::string EscapeXml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no control characters but tab and line ends: shown as '?'.
        out += static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' ? '?' : c;
    }
  }
  return out;
}

}  // namespace msirig::tools

#endif  // MSIRIG_TOOLS_COMMON_XML_ESCAPE_H_
