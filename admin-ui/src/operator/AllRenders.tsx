/** Operators: renders of every organization, filtered by state, tier, organization; bulk retry and cancel. */
import { Button as MuiButton } from '@mui/material';
import { Datagrid, DateField, FunctionField, List, ReferenceField, SearchInput, SelectInput, TextField, TextInput, useListContext, useNotify, useRefresh, useUnselectAll, type RaRecord } from 'react-admin';
import { useState } from 'react';
import { api, errorMessage } from '../api/http';
import { RenderStatusField } from '../components/RenderStatus';
import { STATE_CHOICES } from '../renders/RenderList';
import { PLAN_CHOICES } from './Organizations';

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Search titles" />,
  <SelectInput key="state" source="state" choices={STATE_CHOICES} alwaysOn />,
  <SelectInput key="tier" source="tier" choices={PLAN_CHOICES} alwaysOn />,
  <TextInput key="org" source="organizationId" label="Organization id" />,
];

function BulkAction({ action }: { action: 'retry' | 'cancel' }) {
  const { selectedIds } = useListContext();
  const notify = useNotify();
  const refresh = useRefresh();
  const unselectAll = useUnselectAll('all-renders');
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    const results = await Promise.allSettled(selectedIds.map((id) => api(`/v1/admin/renders/${id}/${action}`, { method: 'POST' })));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    const done = results.length - failed.length;
    notify(
      failed.length === 0 ? `${action === 'retry' ? 'Retried' : 'Canceled'} ${done} render${done === 1 ? '' : 's'}.` : `${done} done; ${failed.length} refused: ${errorMessage(failed[0]!.reason)}`,
      { type: failed.length ? 'warning' : 'info' },
    );
    setBusy(false);
    unselectAll();
    refresh();
  };
  return <MuiButton size="small" disabled={busy} onClick={() => void run()}>{action === 'retry' ? 'Retry' : 'Cancel'}</MuiButton>;
}

export function AllRenderList() {
  return (
    <List filters={filters} sort={{ field: 'queuedAt', order: 'DESC' }} title="All renders">
      <Datagrid bulkActionButtons={<><BulkAction action="retry" /><BulkAction action="cancel" /></>} rowClick={false}>
        <FunctionField label="Title" sortable={false} render={(r: RaRecord) => r.title ?? 'Untitled'} />
        <ReferenceField source="organizationId" reference="organizations" link="show" sortable={false}><TextField source="name" /></ReferenceField>
        <RenderStatusField label="Status" sortBy="state" />
        <TextField source="tier" sortable={false} />
        <FunctionField label="Error" sortable={false} render={(r: RaRecord) => (r.error ? `${r.error.code}` : '')} />
        <DateField source="queuedAt" label="Submitted" showTime />
      </Datagrid>
    </List>
  );
}
