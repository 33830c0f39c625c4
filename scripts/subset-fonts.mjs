// Makes the DejaVu Sans subsets the PNG rasteriser loads (src/report/fonts/, see render.ts) from the full fonts
// in Debian's fonts-dejavu-core, keeping the code points of src/report/fonts/coverage.json with every layout
// table (kerning included), so text they cover draws to the same pixels as with the full fonts
// (test/report/fonts.test.ts). A maintainer's tool, run by hand when the coverage changes; it needs fonttools
// (`pip install fonttools`). Nothing at build or run time calls it.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

const SOURCE = "/usr/share/fonts/truetype/dejavu";
const TARGET = "src/report/fonts";
const { ranges } = JSON.parse(readFileSync(`${TARGET}/coverage.json`, "utf8"));
const hex = (code) => code.toString(16).toUpperCase().padStart(4, "0");
const unicodes = ranges.map(([from, to]) => (from === to ? `U+${hex(from)}` : `U+${hex(from)}-${hex(to)}`)).join(",");

for (const face of ["DejaVuSans", "DejaVuSans-Bold"]) {
  execFileSync("pyftsubset", [
    `${SOURCE}/${face}.ttf`,
    `--unicodes=${unicodes}`,
    "--layout-features=*",
    "--name-IDs=*",
    "--notdef-outline",
    `--output-file=${TARGET}/${face}.ttf`,
  ], { stdio: "inherit" });
}
