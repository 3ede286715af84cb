// Rows for the benchmarks, in a model's column order, converted to fs_value
// before timing: PaySim-like transactions from a seeded generator (crnn
// models), or the rows of a CSV file (any model; e.g. its golden vectors).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "csv_reader.h"
#include "fraudscore/fraudscore.h"

namespace fraudscore_bench {

class RowPool {
 public:
  size_t row_count() const { return column_count_ ? values_.size() / column_count_ : 0; }
  size_t column_count() const { return column_count_; }
  const fs_value* rows(size_t first) const { return &values_[first * column_count_]; }

 protected:
  static std::vector<std::string> column_names(const fs_model* model) {
    fs_model_info info{};
    fs_model_get_info(model, &info);
    std::vector<std::string> names(info.column_count);
    for (uint32_t c = 0; c < info.column_count; ++c) {
      const char* name = nullptr;
      fs_column_type type{};
      fs_model_column(model, c, &name, &type);
      names[c] = name;
    }
    return names;
  }
  // Point values_ at texts_ (text) or numbers (where the text is empty).
  void build_values(const std::vector<double>& numbers) {
    values_.resize(texts_.size());
    for (size_t i = 0; i < values_.size(); ++i) {
      const std::string& text = texts_[i];
      values_[i] = text.empty() ? fs_value{FS_VALUE_NUMBER, numbers[i], nullptr, 0}
                                : fs_value{FS_VALUE_TEXT, 0.0, text.data(), text.size()};
    }
  }

  size_t column_count_ = 0;
  std::vector<std::string> texts_;  // owns the text the values point to
  std::vector<fs_value> values_;
};

struct Account {
  std::string name;
  double balance;
};

class TransactionPool : public RowPool {
 public:
  TransactionPool(const fs_model* model, size_t row_count, uint32_t account_count, uint64_t seed) {
    const std::vector<std::string> column_names = RowPool::column_names(model);
    column_count_ = column_names.size();
    std::mt19937_64 rng(seed);
    std::vector<Account> accounts(account_count);
    std::lognormal_distribution<double> opening_balance(10.0, 2.0);
    std::bernoulli_distribution empty_account(0.3);
    for (uint32_t a = 0; a < account_count; ++a)
      accounts[a] = {"C" + std::to_string(1000000000ULL + 7919ULL * a), empty_account(rng) ? 0.0 : opening_balance(rng)};

    // PaySim's type mix and rough amount scales per type.
    static const char* const kTypes[] = {"CASH_IN", "CASH_OUT", "DEBIT", "PAYMENT", "TRANSFER"};
    std::discrete_distribution<int> type_of({22, 35, 1, 34, 8});
    const double log_amount_mean[] = {11.5, 11.5, 8.0, 8.5, 12.5};
    std::normal_distribution<double> unit_normal(0.0, 1.0);
    std::uniform_int_distribution<uint64_t> counterparty(1000000000ULL, 1999999999ULL);
    std::lognormal_distribution<double> counterparty_balance(11.0, 2.0);

    texts_.resize(row_count * column_count_);
    std::vector<double> numbers(row_count * column_count_, 0.0);
    for (size_t r = 0; r < row_count; ++r) {
      Account& payer = accounts[r % account_count];
      const int type = type_of(rng);
      const bool is_payment = type == 3;
      const double amount = std::round(std::exp(log_amount_mean[type] + unit_normal(rng)) * 100) / 100;
      const double old_balance = payer.balance;
      const double new_balance = type == 0 ? old_balance + amount : std::max(old_balance - amount, 0.0);
      payer.balance = new_balance;
      const double old_dest = is_payment ? 0.0 : std::round(counterparty_balance(rng) * 100) / 100;
      const double new_dest = is_payment ? 0.0 : (type == 0 ? std::max(old_dest - amount, 0.0) : old_dest + amount);

      for (uint32_t c = 0; c < column_count_; ++c) {
        const std::string& column = column_names[c];
        std::string& text = texts_[r * column_count_ + c];
        double& number = numbers[r * column_count_ + c];
        if (column == "step") number = 1.0 + static_cast<double>(r / 40);  // ~40 transactions an hour
        else if (column == "type") text = kTypes[type];
        else if (column == "amount") number = amount;
        else if (column == "oldbalanceOrg") number = old_balance;
        else if (column == "newbalanceOrig") number = new_balance;
        else if (column == "oldbalanceDest") number = old_dest;
        else if (column == "newbalanceDest") number = new_dest;
        else if (column == "nameOrig") text = payer.name;
        else if (column == "nameDest") text = (is_payment ? "M" : "C") + std::to_string(counterparty(rng));
        // Any other column (isFlaggedFraud, ...) is the number 0.
      }
    }

    build_values(numbers);
  }
};

// Every data row of a CSV with (at least) the model's columns, repeated to
// at least `min_rows` rows.
class CsvRowPool : public RowPool {
 public:
  bool load(const fs_model* model, const std::string& path, size_t min_rows, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return *error = "cannot open " + path, false;
    fraudscore::CsvReader csv(in);
    std::vector<std::string> header, fields;
    if (!csv.next(header)) return *error = path + ": empty", false;
    const std::vector<std::string> names = column_names(model);
    column_count_ = names.size();
    std::vector<size_t> field_of;
    for (const std::string& name : names) {
      const auto it = std::find(header.begin(), header.end(), name);
      if (it == header.end()) return *error = path + " has no column " + name, false;
      field_of.push_back(static_cast<size_t>(it - header.begin()));
    }
    std::vector<std::vector<std::string>> rows;
    while (csv.next(fields)) {
      std::vector<std::string> row;
      for (size_t f : field_of) row.push_back(fields[f]);
      rows.push_back(std::move(row));
    }
    if (rows.empty()) return *error = path + ": no rows", false;
    while (texts_.size() < min_rows * column_count_)
      for (const auto& row : rows) texts_.insert(texts_.end(), row.begin(), row.end());
    // Every field as text, as a CSV reader hands it over (the CLI's path);
    // an empty field is a missing value.
    values_.resize(texts_.size());
    for (size_t i = 0; i < texts_.size(); ++i)
      values_[i] = texts_[i].empty() ? fs_value{FS_VALUE_MISSING, 0.0, nullptr, 0}
                                     : fs_value{FS_VALUE_TEXT, 0.0, texts_[i].data(), texts_[i].size()};
    return true;
  }
};

}  // namespace fraudscore_bench
