/* ESP-IDF v5 components/esp_common/include/esp_err.h, the part ota-flash.native.c uses (host compile check only). */
#pragma once
typedef int esp_err_t;
#define ESP_OK 0
const char *esp_err_to_name(esp_err_t code);
