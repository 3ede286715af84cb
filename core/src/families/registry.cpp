#include "families/family.h"

#include "families_generated.h"  // kBuiltFamilies: this build's families (FRAUDSCORE_FAMILIES)

namespace fraudscore {

const Family* find_family(schema::ModelKind kind) {
  for (const Family* family : kBuiltFamilies)
    if (family->kind == kind) return family;
  return nullptr;
}

const Family* const* families(size_t* count) {
  *count = sizeof(kBuiltFamilies) / sizeof(kBuiltFamilies[0]);
  return kBuiltFamilies;
}

}  // namespace fraudscore
