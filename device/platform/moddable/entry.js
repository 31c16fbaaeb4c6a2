// mcconfig runs the module named "main"; the firmware's modules keep their repository paths as
// module names (so relative imports resolve the same in tsc and in XS). See device/manifest.json.
import "platform/moddable/main";
