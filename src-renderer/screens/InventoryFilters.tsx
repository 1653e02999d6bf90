import { useState } from 'react';
import { Button, Checkbox, Group, MultiSelect, NumberInput, Paper, SimpleGrid, TagsInput, Text, TextInput } from '@mantine/core';
import { SEVERITIES, type InventoryAggregates, type InventoryFilter, type Severity } from '../../src-shared/contract-inventory';
import { KEY_STATES, type KeyState } from '../../src-shared/keys';
import { api } from '../api/client';
import { stateLabel } from '../lib/format';
import { algorithmOptions, cleanFilter, purposeName, severityName, storeName } from '../lib/inventory';
import { isIsoDate } from '../lib/policy-view';
import { useLoad } from '../state/load';

type Options = Pick<InventoryAggregates, 'byAlgorithm' | 'byStore' | 'byPurpose' | 'findings' | 'ageHistogram'>;

let optionsCache: Options | null = null;

const ORIGINS = ['generated', 'discovered', 'imported', 'unwrapped', 'demo'] as const;

/** Picker choices come from the core's aggregates (what the estate holds), read once per page open. */
function useFilterOptions(): Options | null {
  const [options, setOptions] = useState<Options | null>(optionsCache);
  // Without options the filters still work as free fields: a failure has nothing to show.
  useLoad(
    () =>
      api.call('inventory.aggregates', {}).then((a) => {
        optionsCache = a;
        return a;
      }),
    setOptions,
    () => undefined,
    [],
  );
  return options;
}

function dateRange(from: string, to: string): { from?: string; to?: string } | undefined {
  const r: { from?: string; to?: string } = {};
  if (isIsoDate(from)) r.from = from;
  if (isIsoDate(to)) r.to = to;
  return r.from || r.to ? r : undefined;
}

const num = (v: string | number): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);

/**
 * Every metadata field the core filters by. Edits stay a draft until "Apply", so a million-key
 * inventory is queried once per decision, not once per keystroke.
 */
export function InventoryFilters({ filter, onApply, onClose, tokenLabels }: { filter: InventoryFilter; onApply: (f: InventoryFilter) => void; onClose: () => void; tokenLabels: ReadonlyMap<string, string> }) {
  const options = useFilterOptions();
  const [states, setStates] = useState<string[]>(filter.states ?? []);
  const [algorithms, setAlgorithms] = useState<string[]>(filter.algorithms ?? []);
  const [sizes, setSizes] = useState<string[]>((filter.sizes ?? []).map(String));
  const [stores, setStores] = useState<string[]>(filter.stores ?? []);
  const [purposes, setPurposes] = useState<string[]>(filter.purposes ?? []);
  const [owners, setOwners] = useState<string[]>((filter.owners ?? []).filter((o): o is string => o !== null));
  const [noOwner, setNoOwner] = useState((filter.owners ?? []).includes(null));
  const [tags, setTags] = useState<string[]>(filter.tags ?? []);
  const [severities, setSeverities] = useState<string[]>(filter.finding?.severities ?? []);
  const [rules, setRules] = useState<string[]>(filter.finding?.rules ?? []);
  const [noFinding, setNoFinding] = useState(filter.finding?.present === false);
  const [ageMin, setAgeMin] = useState<string | number>(filter.ageDays?.min ?? '');
  const [ageMax, setAgeMax] = useState<string | number>(filter.ageDays?.max ?? '');
  const [dueFrom, setDueFrom] = useState(filter.due?.from?.slice(0, 10) ?? '');
  const [dueTo, setDueTo] = useState(filter.due?.to?.slice(0, 10) ?? '');
  const [certFrom, setCertFrom] = useState(filter.certificateNotAfter?.from?.slice(0, 10) ?? '');
  const [certTo, setCertTo] = useState(filter.certificateNotAfter?.to?.slice(0, 10) ?? '');
  const [origins, setOrigins] = useState<string[]>(filter.origins ?? []);

  const sizeChoices = [...new Set([...(options?.byAlgorithm.map((a) => a.size) ?? [128, 255, 256, 384, 521, 2048, 3072, 4096]), ...(filter.sizes ?? [])])].sort((a, b) => a - b).map(String);
  const storeChoices = [
    ...new Set(['vault', 'external', 'token', ...(options?.byStore.filter((s) => s.tokenSerial).map((s) => `token:${s.tokenSerial}`) ?? []), ...(filter.stores ?? [])]),
  ];
  const purposeChoices = [...new Set(['none', ...(options?.byPurpose.map((p) => p.purpose ?? 'none') ?? []), ...(filter.purposes ?? [])])];
  const ruleChoices = [
    ...new Set([...(options?.findings.byRule.map((r) => r.rule) ?? []), ...(options?.ageHistogram.map((h) => h.ruleId) ?? []), ...(filter.finding?.rules ?? [])]),
  ];

  const apply = () => {
    const owned: (string | null)[] = [...owners, ...(noOwner ? [null] : [])];
    const f: InventoryFilter = {
      ...(filter.search ? { search: filter.search } : {}),
      ...(filter.dueRules ? { dueRules: filter.dueRules } : {}),
      states: states as KeyState[],
      algorithms,
      sizes: sizes.map(Number),
      stores,
      purposes,
      owners: owned,
      tags,
      finding:
        severities.length || rules.length || noFinding
          ? { ...(severities.length ? { severities: severities as Severity[] } : {}), ...(rules.length ? { rules } : {}), present: !noFinding }
          : undefined,
      ageDays: num(ageMin) !== undefined || num(ageMax) !== undefined ? { min: num(ageMin), max: num(ageMax) } : undefined,
      due: dateRange(dueFrom, dueTo),
      certificateNotAfter: dateRange(certFrom, certTo),
      origins: origins as InventoryFilter['origins'],
    };
    onApply(cleanFilter(f));
  };

  return (
    <Paper withBorder p="md" radius="md" data-testid="inventory-filters">
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 4 }} spacing="sm">
        <MultiSelect label="State" data={KEY_STATES.map((s) => ({ value: s, label: stateLabel(s) }))} value={states} onChange={setStates} clearable />
        <MultiSelect label="Algorithm" data={algorithmOptions(options?.byAlgorithm.map((a) => a.algorithm) ?? [])} value={algorithms} onChange={setAlgorithms} searchable clearable />
        <MultiSelect label="Size (bits)" data={sizeChoices} value={sizes} onChange={setSizes} clearable />
        <MultiSelect label="Store" data={storeChoices.map((s) => ({ value: s, label: storeName(s, tokenLabels) }))} value={stores} onChange={setStores} clearable />
        <MultiSelect label="Purpose" data={purposeChoices.map((p) => ({ value: p, label: purposeName(p) }))} value={purposes} onChange={setPurposes} searchable clearable />
        <div>
          <TagsInput label="Owner" placeholder="Type a name, Enter" value={owners} onChange={setOwners} clearable />
          <Checkbox mt={6} size="xs" label="Keys without an owner" checked={noOwner} onChange={(e) => setNoOwner(e.currentTarget.checked)} />
        </div>
        <TagsInput label="Tag" placeholder="Type a tag, Enter" value={tags} onChange={(t) => setTags(t.map((x) => x.toLowerCase()))} clearable />
        <MultiSelect label="Origin" data={ORIGINS.map((o) => ({ value: o, label: o }))} value={origins} onChange={setOrigins} clearable />
        <div>
          <MultiSelect label="Finding severity" data={SEVERITIES.map((s) => ({ value: s, label: severityName(s) }))} value={severities} onChange={setSeverities} clearable />
          <Checkbox mt={6} size="xs" label="Keys without such a finding" checked={noFinding} onChange={(e) => setNoFinding(e.currentTarget.checked)} />
        </div>
        <MultiSelect label="Finding rule" data={ruleChoices} value={rules} onChange={setRules} searchable clearable />
        <Group grow gap="xs" align="flex-start">
          <NumberInput label="Age from (days)" min={0} value={ageMin} onChange={setAgeMin} />
          <NumberInput label="to (days)" min={0} value={ageMax} onChange={setAgeMax} />
        </Group>
        <Group grow gap="xs" align="flex-start">
          <TextInput type="date" label="Due from" value={dueFrom} onChange={(e) => setDueFrom(e.currentTarget.value)} />
          <TextInput type="date" label="Due before" value={dueTo} onChange={(e) => setDueTo(e.currentTarget.value)} />
        </Group>
        <Group grow gap="xs" align="flex-start">
          <TextInput type="date" label="Cert. expires from" value={certFrom} onChange={(e) => setCertFrom(e.currentTarget.value)} />
          <TextInput type="date" label="Cert. before" value={certTo} onChange={(e) => setCertTo(e.currentTarget.value)} />
        </Group>
      </SimpleGrid>
      <Group justify="space-between" mt="md">
        <Text size="xs" c="dimmed">
          Fields narrow the list; choices within one field are alternatives. Dates are UTC.
        </Text>
        <Group gap="xs">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button onClick={apply} data-testid="apply-filters">
            Apply filters
          </Button>
        </Group>
      </Group>
    </Paper>
  );
}
