// The trainer's protocol lines: any line is an event, not an event, or a
// ProtocolError naming the event and field.

#include <cstdint>
#include <string>

#include "rank/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    joulegrid::parse_child_line(std::string(reinterpret_cast<const char*>(data), size));
  } catch (const joulegrid::ProtocolError&) {
  }
  return 0;
}
