#include "corral_sample_plugin.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t corral_stock_level(const char *sku) {
    if (sku == NULL || sku[0] == '\0') return -1;
    int64_t total = 0;
    for (const char *p = sku; *p; p++) total = (total * 31 + (unsigned char)*p) % 1000;
    return total;
}

double corral_fma(double a, double b, double c) { return a * b + c; }

bool corral_is_even(int64_t n) { return n % 2 == 0; }

char *corral_reserve(const char *sku, int32_t n) {
    size_t size = strlen(sku) + 32;
    char *out = malloc(size);
    if (out != NULL) snprintf(out, size, "WAREHOUSE-%s-%d", sku, (int)n);
    return out;
}

void corral_free_string(char *s) { free(s); }
