/** Operators: every organization, its plan and use; change the plan or suspend it. */
import { PLAN_IDS } from '@cutline/contract';
import {
  BooleanField,
  BooleanInput,
  Datagrid,
  DateField,
  Edit,
  FunctionField,
  List,
  NumberField,
  ReferenceManyField,
  SaveButton,
  SearchInput,
  SelectInput,
  Show,
  SimpleForm,
  SimpleShowLayout,
  TextField,
  Toolbar,
  EditButton,
  TopToolbar,
  type RaRecord,
} from 'react-admin';
import { RenderStatusField } from '../components/RenderStatus';
import { formatMinutes } from '../lib/format';

export const PLAN_CHOICES = PLAN_IDS.map((id) => ({ id, name: id }));

const filters = [
  <SearchInput key="q" source="q" alwaysOn placeholder="Name or slug" />,
  <SelectInput key="plan" source="plan" choices={PLAN_CHOICES} alwaysOn />,
  <SelectInput
    key="suspended"
    source="suspended"
    choices={[
      { id: true, name: 'suspended' },
      { id: false, name: 'active' },
    ]}
    label="Status"
  />,
];

export function OrganizationList() {
  return (
    <List filters={filters} sort={{ field: 'createdAt', order: 'DESC' }} title="Organizations">
      <Datagrid rowClick="show" bulkActionButtons={false}>
        <TextField source="name" sortable={false} />
        <TextField source="plan" sortable={false} />
        <BooleanField source="suspended" sortable={false} />
        <NumberField source="members" sortable={false} />
        <NumberField source="rendersThisPeriod" label="Renders this period" sortable={false} />
        <FunctionField
          label="Rendered"
          sortable={false}
          render={(r: RaRecord) => formatMinutes(Number(r.renderedSeconds))}
        />
        <TextField source="subscriptionStatus" label="Subscription" sortable={false} emptyText="none" />
        <DateField source="createdAt" label="Created" />
      </Datagrid>
    </List>
  );
}

export function OrganizationShow() {
  return (
    <Show
      actions={
        <TopToolbar>
          <EditButton label="Change plan or suspend" />
        </TopToolbar>
      }
    >
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="slug" />
        <TextField source="plan" />
        <BooleanField source="suspended" />
        <NumberField source="members" />
        <NumberField source="rendersThisPeriod" label="Renders this period" />
        <TextField source="subscriptionStatus" label="Subscription" emptyText="none" />
        <ReferenceManyField
          label="Latest renders"
          reference="all-renders"
          target="organizationId"
          perPage={10}
          sort={{ field: 'queuedAt', order: 'DESC' }}
        >
          <Datagrid bulkActionButtons={false} rowClick={false}>
            <TextField source="title" emptyText="Untitled" sortable={false} />
            <RenderStatusField label="Status" />
            <DateField source="queuedAt" showTime sortable={false} />
          </Datagrid>
        </ReferenceManyField>
      </SimpleShowLayout>
    </Show>
  );
}

export function OrganizationEdit() {
  return (
    <Edit mutationMode="pessimistic" redirect="show">
      <SimpleForm
        toolbar={
          <Toolbar>
            <SaveButton />
          </Toolbar>
        }
      >
        <TextField source="name" />
        <SelectInput
          source="plan"
          choices={PLAN_CHOICES}
          helperText="A live Stripe subscription still decides a subscriber's plan."
        />
        <BooleanInput source="suspended" helperText="A suspended organization cannot submit renders." />
      </SimpleForm>
    </Edit>
  );
}
