/** Operators: every user and the organizations they belong to. */
import {
  BooleanField,
  Datagrid,
  DateField,
  FunctionField,
  List,
  SearchInput,
  TextField,
  type RaRecord,
} from 'react-admin';

export function UserList() {
  return (
    <List
      filters={[<SearchInput key="q" source="q" alwaysOn placeholder="Email or name" />]}
      sort={{ field: 'createdAt', order: 'DESC' }}
      title="Users"
    >
      <Datagrid bulkActionButtons={false} rowClick={false}>
        <TextField source="name" sortable={false} />
        <TextField source="email" sortable={false} />
        <BooleanField source="isPlatformAdmin" label="Operator" sortable={false} />
        <FunctionField
          label="Organizations"
          sortable={false}
          render={(r: RaRecord) =>
            (r.organizations as Array<{ name: string; role: string }>).map((o) => `${o.name} (${o.role})`).join(', ')
          }
        />
        <DateField source="createdAt" label="Joined" />
      </Datagrid>
    </List>
  );
}
