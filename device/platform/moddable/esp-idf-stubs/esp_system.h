/* ESP-IDF v5 components/esp_system/include/esp_system.h, the part ota-flash.native.c uses (host compile check only). */
#pragma once
void esp_restart(void) __attribute__((noreturn));
