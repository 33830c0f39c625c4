// Proves sweep values holding commas and quotes reach the scenario as written, ranges are counted before
// they are built, and every CSV cell from user text is neutralised against formula injection (OWASP) while
// numbers, negative ones included, stay numbers.
import { describe, expect, it } from "vitest";
import { csvText, neutralizeCell } from "../../src/report/csv.js";
import { MAX_PARAMETER_VALUES, parameterFromSection, parseParameter } from "../../src/sweep/params.js";
import { sweepCsv } from "../../src/sweep/sweep.js";

describe("sweep values", () => {
  it("a list from the scenario's sweep section is taken value by value, commas and quotes included", () => {
    const values = ["a, b", 'it\'s "quoted"', "=1+2", 3, "2000/s"];
    expect(parameterFromSection("description", values)).toEqual({ path: "description", values });
  });

  it("--param takes a YAML flow list for values with commas, and keeps text YAML cannot read", () => {
    expect(parseParameter('description=["a, b", c]')).toEqual({ path: "description", values: ["a, b", "c"] });
    expect(parseParameter('description=x,"y')).toEqual({ path: "description", values: ["x", '"y'] });
    expect(parseParameter("description=[unclosed")).toMatch(/^description: the list \[unclosed is not valid YAML/);
  });

  it("a range is counted before it is built", () => {
    expect(parseParameter(`x=1..${MAX_PARAMETER_VALUES}`)).toMatchObject({ path: "x" });
    expect(parseParameter(`x=1..${MAX_PARAMETER_VALUES + 1}`)).toMatch(/^the range 1\.\.1000001 has 1000001 values/);
    expect(parseParameter("x=0..4000000000:2")).toMatch(/has 2000000001 values/);
  });
});

describe("CSV cells", () => {
  it("text starting with =, +, -, @, tab or carriage return gets a leading quote", () => {
    for (const cell of ["=HYPERLINK(1)", "+1", "-x", "@SUM(A1)", "\tcmd", "\rcmd", "-1+2"]) {
      expect(neutralizeCell(cell)).toBe(`'${cell}`);
    }
  });

  it("numbers and text that is exactly a number stay as they are", () => {
    for (const cell of [-5, 2.5, 0, "-5", "-2.5e-3", "12", "plain", "a=b", ""]) expect(neutralizeCell(cell)).toBe(cell);
  });

  it("every row goes through it", () => {
    expect(
      csvText([
        ["name", "value"],
        ["=cmd", -3],
      ]),
    ).toBe("name,value\n'=cmd,-3\n");
  });

  it("sweep.csv neutralises a swept value and leaves a negative number a number", () => {
    const csv = sweepCsv({
      scenario: "s",
      parameters: ["description", "x"],
      points: 1,
      replications: 1,
      results: [{ index: 0, values: ["=1+2", -3], replications: [{ "throughput.consumed": 1 }] }],
    });
    expect(csv.split("\n")[1]).toMatch(/^0,'=1\+2,-3,throughput\.consumed,1,/);
  });
});
