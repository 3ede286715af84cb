// Loads a model through the installed headers and library and scores a row.
#include <cstdio>

#include <fraudscore/fraudscore.hpp>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  try {
    auto model = fraudscore::ModelHandle::load_file(argv[1]);
    fraudscore::SessionHandle session(model);
    std::vector<fs_value> row;
    for (const std::string& name : model.column_names()) {
      if (name == "type") row.push_back(fraudscore::text_value("PAYMENT"));
      else if (name == "nameOrig") row.push_back(fraudscore::text_value("C1"));
      else if (name == "nameDest") row.push_back(fraudscore::text_value("M2"));
      else row.push_back(fraudscore::number_value(100.0));
    }
    const fs_result r = session.score(row);
    std::printf("probability %.6f decision %s\n", r.probability, fs_decision_name(r.decision));
    return r.probability >= 0.0 && r.probability <= 1.0 ? 0 : 1;
  } catch (const fraudscore::Error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}
