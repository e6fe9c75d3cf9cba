#pragma once
// A training program given as a command ([models.NAME] command = [...]): the
// placeholders a cell fills in, and filling them. No I/O.

#include <map>
#include <string>
#include <vector>

namespace joulegrid {

// The cell parameters a command may name as {name}: size, batch_size,
// learning_rate, optimizer, seed, repeat, fold, cell_id, device, data,
// epochs, checkpoint_to, resume_from (docs/spec.md says what each holds).
// "{{" and "}}" are a literal brace.
const std::vector<std::string>& command_placeholders();

// Each argument with its {name}s replaced by `values`. Throws
// std::invalid_argument naming the first placeholder it does not know, or an
// unmatched brace.
std::vector<std::string> expand_command(const std::vector<std::string>& command,
                                        const std::map<std::string, std::string>& values);

// A number as the cell's JSON writes it: the shortest decimal that reads back
// to the same double (0.001, not 0.001000).
std::string shortest_decimal(double value);

}  // namespace joulegrid
