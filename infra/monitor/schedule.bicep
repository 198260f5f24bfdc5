// How often an NCRONTAB schedule (six fields, seconds first, as Azure Functions reads SCAN_SCHEDULE) runs, for the
// dead-man's switch in alerts.bicep. A field is '*', 'a', 'a-b', each with an optional '/step', or a comma list of
// those; names (MON, JAN) are not read. The answer is the longest gap between two runs, so a schedule with uneven
// gaps ('0 0 9,17 * * *') is evaluated by its longest one. A schedule this cannot read, or one tied to days of the
// month or to months, is taken as 31 days, which the window then clamps to its maximum.

// The characters a field this reads may hold.
var fieldCharacters = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '/', ',', '-']

func stepOf(item string) int => contains(item, '/') ? int(split(item, '/')[1]) : 1

func lowOf(item string) int => startsWith(item, '*') ? 0 : int(split(split(item, '/')[0], '-')[0])

func highOf(item string, size int) int =>
  startsWith(item, '*') ? size - 1 : contains(split(item, '/')[0], '-') ? int(split(split(item, '/')[0], '-')[1]) : contains(item, '/') ? size - 1 : lowOf(item)

// The values one item of a field stands for, in [0, size).
func itemValues(item string, size int) int[] =>
  filter(range(lowOf(item), max(highOf(item, size) - lowOf(item) + 1, 0)), v => v < size && (v - lowOf(item)) % stepOf(item) == 0)

// The values a field stands for, ascending.
func fieldValues(field string, size int) int[] => sort(flatten(map(split(field, ','), item => itemValues(item, size))), (a, b) => a < b)

// The longest step between two neighbouring values, 0 for one value.
func innerGap(values int[]) int => reduce(range(1, max(length(values) - 1, 0)), 0, (gap, i) => max(gap, values[i] - values[i - 1]))

func firstOf(values int[]) int => values[0]

func lastOf(values int[]) int => values[length(values) - 1]

// ... and across the wrap to the next period.
func wrapGap(values int[], size int) int => max(innerGap(values), size - lastOf(values) + firstOf(values))

// The runs inside one period of the outer field, in seconds: the longest gap between two of them, and the span from
// the first to the last. `inner` is the same for the finer fields; `period` the seconds one step of `outer` lasts.
func nest(inner object, outer int[], period int) object => {
  gap: max(inner.gap, innerGap(outer) * period - inner.span)
  span: (lastOf(outer) - firstOf(outer)) * period + inner.span
}

func fieldsOf(schedule string) string[] => filter(split(trim(schedule), ' '), field => !empty(field))

// Only digits, '*', '/', ',' and '-', with no empty part between them.
func wellFormed(field string) bool => empty(join(split(field, fieldCharacters), '')) && !contains(split(field, [',', '/', '-']), '')

// Whether this reads the schedule: six well-formed fields, every day of every month, and each field naming a value in
// range. Each test runs only once the one before it passed (ARM evaluates only the branch of if() it takes).
func readable(fields string[]) bool =>
  length(fields) != 6 || length(filter(fields, field => !wellFormed(field))) > 0 || fields[3] != '*' || fields[4] != '*'
    ? false
    : !empty(fieldValues(fields[0], 60)) && !empty(fieldValues(fields[1], 60)) && !empty(fieldValues(fields[2], 24)) && !empty(fieldValues(fields[5], 7))

// The runs of one day, from the seconds, minutes and hours fields.
func day(fields string[]) object =>
  nest(nest({ gap: innerGap(fieldValues(fields[0], 60)), span: lastOf(fieldValues(fields[0], 60)) - firstOf(fieldValues(fields[0], 60)) }, fieldValues(fields[1], 60), 60), fieldValues(fields[2], 24), 3600)

@export()
@description('The longest gap between two runs of an NCRONTAB schedule, in seconds (31 days when it cannot be read).')
func scheduleIntervalSeconds(schedule string) int =>
  readable(fieldsOf(schedule)) ? max(day(fieldsOf(schedule)).gap, wrapGap(fieldValues(fieldsOf(schedule)[5], 7), 7) * 86400 - day(fieldsOf(schedule)).span) : 31 * 86400

@export()
@description('The longest gap between two runs of an NCRONTAB schedule, in whole minutes, rounded up.')
func scheduleIntervalMinutes(schedule string) int => (scheduleIntervalSeconds(schedule) + 59) / 60

// The windows (in minutes) a scheduled query rule accepts: "Supported granularities are: 5, 10, 15, 30, 45, 60, 120,
// 180, 240, 300, 360, 1440, 2880", as the service answers a PUT with another
// (https://github.com/Azure/azure-rest-api-specs/issues/21258); two days is the longest a log search alert may look back
// (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-create-log-alert-rule, "Override query time range").
var windows = [5, 10, 15, 30, 45, 60, 120, 180, 240, 300, 360, 1440, 2880]

@export()
@description('The smallest window a scheduled query rule accepts that covers `minutes`, at most two days.')
func ruleWindowMinutes(minutes int) int => first(concat(filter(windows, window => window >= minutes), [last(windows)]))

@export()
@description('Minutes as an ISO 8601 duration: P1D, PT2H, PT45M.')
func isoDuration(minutes int) string => minutes % 1440 == 0 ? 'P${minutes / 1440}D' : minutes % 60 == 0 ? 'PT${minutes / 60}H' : 'PT${minutes}M'

@export()
@description('The dead-man\'s switch window for a schedule: twice its longest gap, clamped to what a scheduled query rule accepts.')
func deadManWindowMinutes(schedule string) int => ruleWindowMinutes(2 * scheduleIntervalMinutes(schedule))
