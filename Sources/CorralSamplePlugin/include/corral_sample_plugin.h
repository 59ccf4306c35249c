// A small native plugin for the tests and the samples: the kind of function an operator
// exposes to agents through a policy's `native` grant.
#include <stdint.h>
#include <stdbool.h>

// Units in stock for a SKU: deterministic, from the SKU's characters; -1 for an empty SKU.
int64_t corral_stock_level(const char *sku);
// a * b + c, in doubles.
double corral_fma(double a, double b, double c);
// Whether n is even.
bool corral_is_even(int64_t n);
// A new string "WAREHOUSE-<sku>-<n>", to be freed with corral_free_string.
char *corral_reserve(const char *sku, int32_t n);
void corral_free_string(char *s);
