/** The organization's activity log (and, for operators, every organization's). */
import {
  Datagrid,
  DateField,
  FunctionField,
  List,
  ReferenceField,
  TextField,
  TextInput,
  type RaRecord,
} from 'react-admin';

function describe(r: RaRecord): string {
  const data =
    r.data && typeof r.data === 'object'
      ? Object.entries(r.data as Record<string, unknown>)
          .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
          .join(', ')
      : '';
  return data;
}

export function ActivityList() {
  return (
    <List title="Activity" sort={{ field: 'createdAt', order: 'DESC' }} perPage={50}>
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <DateField source="createdAt" label="When" showTime />
        <FunctionField
          label="Who"
          sortable={false}
          render={(r: RaRecord) => (r.actorName as string | null) ?? 'Cutline'}
        />
        <TextField source="action" sortable={false} />
        <TextField source="subjectType" label="On" sortable={false} />
        <FunctionField label="Details" sortable={false} render={describe} />
      </Datagrid>
    </List>
  );
}

export function AllActivityList() {
  return (
    <List
      title="Activity (all organizations)"
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={50}
      filters={[<TextInput key="org" source="organizationId" label="Organization id" alwaysOn />]}
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <DateField source="createdAt" label="When" showTime />
        <ReferenceField source="organizationId" reference="organizations" link="show">
          <TextField source="name" />
        </ReferenceField>
        <TextField source="action" sortable={false} />
        <TextField source="subjectType" label="On" sortable={false} />
        <FunctionField label="Details" sortable={false} render={describe} />
      </Datagrid>
    </List>
  );
}
