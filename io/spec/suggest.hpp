#pragma once
// "did you mean" for misspelt keys and names.

#include <string>
#include <vector>

namespace joulegrid {

// Edit distance (insertions, deletions, substitutions, transpositions).
int edit_distance(const std::string& a, const std::string& b);

// The closest candidate within a small distance, or "" when none is close.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// "a, b, c" — for messages that list the choices.
std::string join(const std::vector<std::string>& words, const std::string& sep = ", ");

}  // namespace joulegrid
